import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../../src/investigation/ttlCache.js';

describe('TtlCache', () => {
  it('reuses a value within its time to live, shares a load in flight, and reloads after', async () => {
    let now = 0;
    let loads = 0;
    const cache = new TtlCache<number>(240_000, () => now);
    const load = async () => ++loads;
    expect(await Promise.all([cache.get('c1', load), cache.get('c1', load)])).toEqual([1, 1]);
    now = 239_999;
    expect(await cache.get('c1', load)).toBe(1);
    expect(await cache.get('c2', load)).toBe(2);
    now = 240_000;
    expect(await cache.get('c1', load)).toBe(3);
  });

  it('never caches a rejection: the next call tries again', async () => {
    const cache = new TtlCache<string>(240_000, () => 0);
    await expect(cache.get('k', () => Promise.reject(new Error('ARM 503')))).rejects.toThrow('ARM 503');
    expect(await cache.get('k', async () => 'ok')).toBe('ok');
  });
});
