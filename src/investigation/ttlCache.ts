/**
 * A small per-key cache of async values with a time to live. A rejection is never cached: the next call tries
 * again. Used for cluster credentials, so every activity (each 10 s status poll included) does not call ARM's
 * `listClusterUserCredentials` and Entra ID again.
 */
export class TtlCache<T> {
  readonly #entries = new Map<string, { value: Promise<T>; expiresAt: number }>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(ttlMs: number, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /**
   * The cached value for `key`, or `load()`'s (shared by concurrent callers while it runs).
   *
   * @example const kc = await cache.get(cluster.resourceId, () => buildKubeConfig(cluster));
   */
  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = this.#now();
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = load();
    const entry = { value, expiresAt: now + this.#ttlMs };
    this.#entries.set(key, entry);
    value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return value;
  }
}
