import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlertConfigError } from '../../../src/alert/errors.js';
import { cooldownWindow, instanceIdFor, isSnatInstanceId, targetKey } from '../../../src/alert/instanceId.js';

const LB = '/subscriptions/s/resourceGroups/MC_rg/providers/Microsoft.Network/loadBalancers/kubernetes';

describe('cooldownWindow', () => {
  it('floors the time to the window start', () => {
    const w = cooldownWindow(new Date('2026-11-04T12:17:42.123Z'), 15);
    expect(new Date(w.startMs).toISOString()).toBe('2026-11-04T12:15:00.000Z');
    expect(new Date(w.endMs).toISOString()).toBe('2026-11-04T12:30:00.000Z');
    expect(w.index).toBe(Math.floor(Date.parse('2026-11-04T12:17:42.123Z') / 900_000));
  });

  it('rejects cooldowns outside 1..1440 whole minutes', () => {
    for (const bad of [0, -5, 1.5, 1441, Number.NaN]) expect(() => cooldownWindow(0, bad)).toThrow(AlertConfigError);
  });
});

describe('instanceIdFor', () => {
  it('is the same for any time in one window and for any spelling of the LB id', () => {
    const a = instanceIdFor({ loadBalancerId: LB, backendIp: '10.0.0.4' }, new Date('2026-11-04T12:15:00Z'), 15);
    const b = instanceIdFor(
      { loadBalancerId: ` ${LB.toLowerCase()} `, backendIp: '10.0.0.4' },
      Date.parse('2026-11-04T12:29:59.999Z'),
      15,
    );
    expect(a).toBe(b);
    expect(a).toMatch(/^snat-[0-9a-f]{32}-20261104T1215Z$/);
  });

  it('changes with the window, the backend IP and the load balancer', () => {
    const base = instanceIdFor({ loadBalancerId: LB, backendIp: '10.0.0.4' }, Date.parse('2026-11-04T12:15:00Z'), 15);
    expect(
      instanceIdFor({ loadBalancerId: LB, backendIp: '10.0.0.4' }, Date.parse('2026-11-04T12:30:00Z'), 15),
    ).not.toBe(base);
    expect(
      instanceIdFor({ loadBalancerId: LB, backendIp: '10.0.0.5' }, Date.parse('2026-11-04T12:15:00Z'), 15),
    ).not.toBe(base);
    expect(instanceIdFor({ loadBalancerId: LB, backendIp: null }, Date.parse('2026-11-04T12:15:00Z'), 15)).not.toBe(
      base,
    );
    expect(
      instanceIdFor({ loadBalancerId: `${LB}-2`, backendIp: '10.0.0.4' }, Date.parse('2026-11-04T12:15:00Z'), 15),
    ).not.toBe(base);
  });

  it('always yields ids Durable accepts (no / \\ # ?, no control characters, under 100 characters)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.option(fc.ipV4(), { nil: null }),
        fc.integer({ min: 0, max: Date.parse('9999-12-31T00:00:00Z') }),
        fc.integer({ min: 1, max: 1440 }),
        (loadBalancerId, backendIp, at, cooldown) => {
          const id = instanceIdFor({ loadBalancerId, backendIp }, at, cooldown);
          expect(id.length).toBeLessThan(100);
          // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
          expect(id).not.toMatch(/[/\\#?\u0000-\u001f\u007f]/);
          expect(isSnatInstanceId(id)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps the target key stable (ids must survive deployments)', () => {
    expect(targetKey({ loadBalancerId: LB, backendIp: '10.0.0.4' })).toBe(
      targetKey({ loadBalancerId: LB.toUpperCase(), backendIp: '10.0.0.4' }),
    );
    // Golden value: sha256("x\n-") prefix. Changing the scheme would start duplicate investigations during a deployment.
    expect(targetKey({ loadBalancerId: 'x', backendIp: null })).toBe('3fac55c6acd61f7f18b088d11a0b0550');
  });
});
