/**
 * Just enough of the Kubernetes protobuf encoding to read the request bodies kubectl sends that way
 * (`Content-Type: application/vnd.kubernetes.protobuf`; kubectl 1.33 posts SelfSubjectAccessReviews so):
 * the `k8s\0` envelope (runtime.Unknown) and the SelfSubjectAccessReview message. Answers stay JSON, which
 * kubectl accepts too.
 */

type Json = Record<string, unknown>;

/** The media type of protobuf bodies. */
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Field number -> values (bytes for length-delimited, numbers for varints), in order. */
type Fields = Map<number, Array<Buffer | number>>;

function readVarint(buf: Buffer, pos: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new Error('protobuf: truncated varint');
    const b = buf[pos++] as number;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, pos];
    shift += 7;
    if (shift > 63) throw new Error('protobuf: varint too long');
  }
}

function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    let value: Buffer | number;
    if (wire === 0) {
      [value, pos] = readVarint(buf, p1);
    } else if (wire === 2) {
      const [len, p2] = readVarint(buf, p1);
      if (p2 + len > buf.length) throw new Error('protobuf: truncated field');
      value = buf.subarray(p2, p2 + len);
      pos = p2 + len;
    } else if (wire === 1) {
      value = 0;
      pos = p1 + 8;
    } else if (wire === 5) {
      value = 0;
      pos = p1 + 4;
    } else throw new Error(`protobuf: unsupported wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const bytes = (f: Fields, n: number): Buffer | undefined => {
  const v = f.get(n)?.[0];
  return Buffer.isBuffer(v) ? v : undefined;
};
const text = (f: Fields, n: number): string | undefined => bytes(f, n)?.toString('utf8');

/** The envelope: the object's apiVersion/kind and its raw message. */
function unwrap(body: Buffer): { apiVersion: string; kind: string; raw: Buffer } {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new Error('protobuf: missing k8s envelope');
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(bytes(unknown, 1) ?? Buffer.alloc(0));
  return {
    apiVersion: text(typeMeta, 1) ?? '',
    kind: text(typeMeta, 2) ?? '',
    raw: bytes(unknown, 2) ?? Buffer.alloc(0),
  };
}

function strings(f: Fields, names: Record<number, string>): Json {
  const out: Json = {};
  for (const [n, name] of Object.entries(names)) {
    const v = text(f, Number(n));
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * Decodes a protobuf SelfSubjectAccessReview into its JSON form (`spec.resourceAttributes` /
 * `spec.nonResourceAttributes`).
 *
 * @throws Error when the body is not a protobuf SelfSubjectAccessReview.
 */
export function decodeSelfSubjectAccessReview(body: Buffer): Json {
  const { kind, apiVersion, raw } = unwrap(body);
  if (kind !== 'SelfSubjectAccessReview')
    throw new Error(`protobuf: expected SelfSubjectAccessReview, got ${kind || 'nothing'}`);
  const review = fields(raw);
  const spec = fields(bytes(review, 2) ?? Buffer.alloc(0));
  const ra = bytes(spec, 1);
  const nra = bytes(spec, 2);
  return {
    kind,
    apiVersion,
    spec: {
      ...(ra
        ? {
            resourceAttributes: strings(fields(ra), {
              1: 'namespace',
              2: 'verb',
              3: 'group',
              4: 'version',
              5: 'resource',
              6: 'subresource',
              7: 'name',
            }),
          }
        : {}),
      ...(nra ? { nonResourceAttributes: strings(fields(nra), { 1: 'path', 2: 'verb' }) } : {}),
    },
  };
}
