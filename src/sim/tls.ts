/**
 * Self-signed loopback certificate for the simulated HTTPS services (the ARM SDK's bearer-token
 * policy refuses plain http). Generated once per process; EC P-256 keeps generation fast.
 */

/** PEM key and certificate valid for `127.0.0.1`, `::1` and `localhost`. */
export interface LoopbackCert {
  key: string;
  cert: string;
}

let cached: Promise<LoopbackCert> | null = null;

/**
 * A self-signed certificate for loopback servers. The certificate is its own CA: clients trust it
 * with `new https.Agent({ ca: cert })`.
 *
 * @example
 * const tls = await loopbackCertificate();
 * const arm = await startArmServer({ world: demoArmWorld(), tls });
 */
export function loopbackCertificate(): Promise<LoopbackCert> {
  cached ??= generate().catch((err: unknown) => {
    cached = null;
    throw err;
  });
  return cached;
}

async function generate(): Promise<LoopbackCert> {
  // Loaded lazily: only the simulated world needs it.
  const { generate: selfsigned } = await import('selfsigned');
  const notBeforeDate = new Date(Date.now() - 60 * 60_000);
  const notAfterDate = new Date(Date.now() + 7 * 24 * 60 * 60_000);
  const pems = await selfsigned([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
