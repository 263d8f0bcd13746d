/** Test helper: a loopback certificate and an HTTPS agent that trusts it. */
import { Agent } from 'node:https';
import { type LoopbackCert, loopbackCertificate } from '../../src/sim/tls.js';

export type { LoopbackCert };

/** The shared self-signed loopback certificate (SAN IP:127.0.0.1). */
export function testCertificate(): Promise<LoopbackCert> {
  return loopbackCertificate();
}

/** An HTTPS agent trusting only the test certificate (no keep-alive so servers close promptly). */
export function trustingAgent(cert: LoopbackCert): Agent {
  return new Agent({ ca: cert.cert, keepAlive: false });
}
