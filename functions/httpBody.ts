import type { HttpRequest } from '@azure/functions';

export type Body = { kind: 'text'; text: string } | { kind: 'too-large'; bytes: number } | { kind: 'not-utf8' };

/** Reads at most `max + 1` bytes of the body; never buffers an oversized one whole. */
export async function readBody(request: HttpRequest, max: number): Promise<Body> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBuffer);
      total += chunk.byteLength;
      if (total > max) {
        await reader.cancel().catch(() => undefined);
        return { kind: 'too-large', bytes: total };
      }
      chunks.push(chunk);
    }
  }
  try {
    return { kind: 'text', text: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)) };
  } catch {
    return { kind: 'not-utf8' };
  }
}
