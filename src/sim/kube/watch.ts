/**
 * Resource versions and watches. The simulated objects change on the clock rather than by writes, so a
 * {@link VersionClock} notices changes whenever an object is read and gives it a new `resourceVersion`, as
 * etcd would have at the write. Watches (`?watch=true`, what `kubectl get -w`, `kubectl wait` and informers
 * open after a list) stream `{"type":"ADDED"|"MODIFIED"|"DELETED","object":...}` lines: the changes since the
 * requested resourceVersion, then whatever changes while the stream is open (the list is re-read every `pollMs`).
 */
import type { ServerResponse } from 'node:http';

type Json = Record<string, unknown>;

const keyOf = (o: Json) => {
  const m = (o.metadata as Json | undefined) ?? {};
  return `${o.kind ?? ''}/${m.namespace ?? ''}/${m.name ?? ''}`;
};

/** The object without its resourceVersion, for change detection. */
function fingerprint(o: Json): string {
  const { resourceVersion: _rv, ...meta } = (o.metadata as Json | undefined) ?? {};
  return JSON.stringify({ ...o, metadata: meta });
}

/** Hands out resourceVersions: an object keeps its version until its content changes. */
export class VersionClock {
  private readonly seen = new Map<string, { print: string; rv: number }>();

  constructor(private now: number) {}

  /** The newest resourceVersion (what a list reports). */
  current(): number {
    return this.now;
  }

  /** A new version for a change the clock cannot see in an object (a deletion). */
  bump(): number {
    return ++this.now;
  }

  /** `o` with the resourceVersion of its current content (a new one if it changed since it was last read). */
  stamp(o: Json): Json {
    const key = keyOf(o);
    const print = fingerprint(o);
    let entry = this.seen.get(key);
    if (!entry || entry.print !== print) {
      entry = { print, rv: ++this.now };
      this.seen.set(key, entry);
    }
    return { ...o, metadata: { ...((o.metadata as Json | undefined) ?? {}), resourceVersion: String(entry.rv) } };
  }
}

/** What one watch needs: the current items (stamped, filtered by the request's selectors) and how to frame them. */
export interface WatchSource {
  items(): Promise<Json[]>;
  /** The object an event carries (the item itself, or a one-row Table when the client asked for Tables). */
  present(item: Json): Json;
  versions: VersionClock;
}

const rvOf = (o: Json) => Number((o.metadata as Json | undefined)?.resourceVersion ?? 0);

/**
 * Streams watch events until the client goes away, `timeoutSeconds` passes, or `stop` fires. Without a
 * `resourceVersion` (or with `0`) the current items come first as ADDED; with one, the items changed since.
 */
export async function serveWatch(
  res: ServerResponse,
  source: WatchSource,
  opts: {
    contentType: string;
    timeoutSeconds: number | null;
    resourceVersion: string | null;
    pollMs?: number;
    stop: AbortSignal;
  },
): Promise<void> {
  res.writeHead(200, { 'content-type': opts.contentType, 'transfer-encoding': 'chunked' });
  res.flushHeaders();
  const pollMs = opts.pollMs ?? 50;
  const emit = (type: 'ADDED' | 'MODIFIED' | 'DELETED', item: Json) => {
    res.write(`${JSON.stringify({ type, object: source.present(item) })}\n`);
  };
  const since = opts.resourceVersion && opts.resourceVersion !== '0' ? Number(opts.resourceVersion) : null;
  const seen = new Map<string, Json>();
  for (const item of await source.items()) {
    seen.set(keyOf(item), item);
    if (since === null) emit('ADDED', item);
    else if (rvOf(item) > since) emit('MODIFIED', item);
  }
  const deadline = opts.timeoutSeconds !== null ? Date.now() + opts.timeoutSeconds * 1000 : Number.POSITIVE_INFINITY;
  while (!res.destroyed && !opts.stop.aborted && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, pollMs));
    if (res.destroyed || opts.stop.aborted) break;
    const now = new Map((await source.items()).map((i) => [keyOf(i), i] as const));
    for (const [k, item] of now) {
      const before = seen.get(k);
      if (!before) emit('ADDED', item);
      else if (rvOf(before) !== rvOf(item)) emit('MODIFIED', item);
      seen.set(k, item);
    }
    for (const [k, item] of seen) {
      if (!now.has(k)) {
        const rv = String(source.versions.bump());
        emit('DELETED', { ...item, metadata: { ...((item.metadata as Json | undefined) ?? {}), resourceVersion: rv } });
        seen.delete(k);
      }
    }
  }
  if (!res.destroyed) res.end();
}
