import { afterEach, describe, expect, it, vi } from 'vitest';
import { investigationDeps, setInvestigationDeps } from '../../../src/investigation/dependencies.js';
import { lazy } from '../../../src/investigation/lazy.js';

describe('lazy', () => {
  it('builds once and shares the value with every caller', async () => {
    let builds = 0;
    const get = lazy(async () => ++builds);
    expect(await Promise.all([get(), get()])).toEqual([1, 1]);
    expect(await get()).toBe(1);
    expect(builds).toBe(1);
  });

  it('does not cache a rejection: the next call tries again', async () => {
    let builds = 0;
    const get = lazy(async () => {
      builds++;
      if (builds === 1) throw new Error('Blob 503 at first use');
      return 'store';
    });
    const [a, b] = await Promise.allSettled([get(), get()]);
    expect(a).toMatchObject({ status: 'rejected', reason: { message: 'Blob 503 at first use' } });
    expect(b).toEqual(a);
    expect(builds).toBe(1);
    expect(await get()).toBe('store');
    expect(await get()).toBe('store');
    expect(builds).toBe(2);
  });

  it('turns a synchronous throw into a rejection that is retried too', async () => {
    let fail = true;
    const get = lazy(() => {
      if (fail) throw new Error('boom');
      return Promise.resolve(1);
    });
    expect(() => get()).toThrow('boom');
    fail = false;
    expect(await get()).toBe(1);
  });
});

describe('investigationDeps', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    setInvestigationDeps(null);
  });

  it('retries building from app settings after a failed first build', async () => {
    setInvestigationDeps(null);
    vi.stubEnv('TRACE_SECONDS', '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/t/)');
    await expect(investigationDeps()).rejects.toMatchObject({ name: 'SettingsError', transient: true });
    vi.stubEnv('TRACE_SECONDS', '45');
    const deps = await investigationDeps();
    expect(deps.settings.traceSeconds).toBe(45);
    expect(await investigationDeps()).toBe(deps);
  });
});
