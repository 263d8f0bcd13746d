/**
 * Reading request bodies: JSON for resource writes, JSON or protobuf (as kubectl sends it) for
 * SelfSubjectAccessReviews.
 */
import type { IncomingMessage } from 'node:http';
import { decodeSelfSubjectAccessReview, PROTOBUF_CONTENT_TYPE } from './protobuf.js';

type Json = Record<string, unknown>;

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A JSON body, `{}` when empty or unreadable (the routes that read one treat a bad body as an empty one). */
export async function readJsonBody(req: IncomingMessage): Promise<Json> {
  const raw = await readAll(req);
  try {
    return JSON.parse(raw.toString('utf8') || '{}') as Json;
  } catch {
    return {};
  }
}

/** A SelfSubjectAccessReview body, JSON or protobuf; throws the API server's message on a body it cannot read. */
export async function readReviewBody(req: IncomingMessage): Promise<Json> {
  const raw = await readAll(req);
  if ((req.headers['content-type'] ?? '').startsWith(PROTOBUF_CONTENT_TYPE)) return decodeSelfSubjectAccessReview(raw);
  try {
    return JSON.parse(raw.toString('utf8') || '{}') as Json;
  } catch {
    throw new Error('the body of the request was in an unknown format');
  }
}
