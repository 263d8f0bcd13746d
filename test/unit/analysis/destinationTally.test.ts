import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DestinationTally, ipv4ToUint } from '../../../src/analysis/destinationTally.js';
import { createIpClassifier } from '../../../src/analysis/ipClassifier.js';

/** The reference: a Map of `ip|port` strings, sorted as the report orders destinations. */
function reference(adds: Array<[string, number, number]>) {
  const m = new Map<string, number>();
  for (const [ip, port, n] of adds) m.set(`${ip}|${port}`, (m.get(`${ip}|${port}`) ?? 0) + n);
  return m;
}

const v4 = fc.ipV4();

/**
 * A block as the trace scanner hands one over: records (address, tally id << 16 | port, count, unused) sorted by
 * (address, port) without repeats, and the indices of its 16 leaders (most connects first, ties to the lower
 * address, then port), computed here the slow way.
 */
function scannerBlock(adds: Array<[string, number, number]>): [Uint32Array, Uint32Array] {
  const counts = new Map<number, number>();
  for (const [ip, port, k] of adds) {
    const key = ipv4ToUint(ip) * 65536 + port;
    counts.set(key, (counts.get(key) ?? 0) + k);
  }
  const keys = [...counts.keys()].sort((a, b) => a - b);
  const records = new Uint32Array(keys.length * 4);
  keys.forEach((key, i) => {
    records[i * 4] = Math.floor(key / 65536);
    records[i * 4 + 1] = (7 << 16) | (key % 65536);
    records[i * 4 + 2] = counts.get(key)!;
  });
  const ranked = keys.map((_, i) => i).sort((a, b) => counts.get(keys[b]!)! - counts.get(keys[a]!)! || a - b);
  return [records, Uint32Array.from(ranked.slice(0, 16))];
}
const anyIp = fc.oneof({ weight: 5, arbitrary: v4 }, { weight: 1, arbitrary: fc.ipV6() });

describe('DestinationTally', () => {
  it('counts exactly like a Map of strings, however many distinct destinations (log compaction included)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(anyIp, fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 1, max: 5 })), {
          maxLength: 3000,
        }),
        fc.array(fc.tuple(fc.constantFrom('20.60.1.12', '52.1.1.1'), fc.constantFrom(443, 80)), { maxLength: 3000 }),
        (fresh, repeats) => {
          const adds: Array<[string, number, number]> = [
            ...fresh,
            ...repeats.map(([ip, p]) => [ip, p, 1] as [string, number, number]),
          ];
          const t = new DestinationTally();
          for (const [ip, port, n] of adds) t.add(ip, port, n);
          const ref = reference(adds);
          expect(t.size).toBe(ref.size);
          const got = new Map(t.entries().map((d) => [`${d.ip}|${d.port}`, d.count]));
          expect(got).toEqual(ref);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('ranks the top N by count, ties by IPv4 address (numeric, before IPv6) then port', () => {
    const t = new DestinationTally();
    t.add('2603:1030::1', 443, 5);
    t.add('100.1.1.1', 443, 5);
    t.add('20.1.1.1', 80, 5);
    t.add('20.1.1.1', 443, 5);
    t.add('52.1.1.1', 443, 9);
    t.add('13.1.1.1', 443, 1);
    expect(t.top(4)).toEqual([
      { ip: '52.1.1.1', port: 443, count: 9 },
      { ip: '20.1.1.1', port: 80, count: 5 },
      { ip: '20.1.1.1', port: 443, count: 5 },
      { ip: '100.1.1.1', port: 443, count: 5 },
    ]);
    expect(t.top(6).at(-2)).toEqual({ ip: '2603:1030::1', port: 443, count: 5 });
    expect(t.top(0)).toEqual([]);
  });

  it('gives the same top list as sorting every destination', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(anyIp, fc.constantFrom(80, 443, 8443), fc.integer({ min: 1, max: 3 })), { maxLength: 2500 }),
        fc.integer({ min: 1, max: 12 }),
        (adds, n) => {
          const t = new DestinationTally();
          for (const [ip, port, k] of adds) t.add(ip, port, k);
          const all = t.entries().sort((a, b) => {
            if (a.count !== b.count) return b.count - a.count;
            const av = ipv4ToUint(a.ip);
            const bv = ipv4ToUint(b.ip);
            if (av >= 0 !== bv >= 0) return av >= 0 ? -1 : 1;
            if (av !== bv) return av - bv;
            if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
            return a.port - b.port;
          });
          expect(t.top(n)).toEqual(all.slice(0, n));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("answers size, top and entries from the scanner's sorted blocks and their leaders as from plain adds", () => {
    // Few addresses and ports, so log entries and block records overlap and counts tie; one or two blocks (the
    // second merges the first into the log); top lists shorter and longer than the 16 leaders.
    const address = fc.integer({ min: 0, max: 40 }).map((i) => `20.0.${i % 3}.${i}`);
    const add = fc.tuple(address, fc.constantFrom(80, 443), fc.integer({ min: 1, max: 4 }));
    fc.assert(
      fc.property(
        fc.array(add, { maxLength: 40 }),
        fc.array(fc.array(add, { maxLength: 60 }), { minLength: 1, maxLength: 2 }),
        fc.array(fc.tuple(fc.ipV6(), fc.constantFrom(443), fc.integer({ min: 1, max: 4 })), { maxLength: 3 }),
        fc.integer({ min: 1, max: 24 }),
        (logAdds, blocks, v6, n) => {
          const plain = new DestinationTally();
          const t = new DestinationTally();
          for (const [ip, port, k] of [...logAdds, ...v6]) {
            plain.add(ip, port, k);
            t.add(ip, port, k);
          }
          for (const adds of blocks) {
            for (const [ip, port, k] of adds) plain.add(ip, port, k);
            const [records, leaders] = scannerBlock(adds);
            t.addSortedBlock(records, leaders);
          }
          expect(t.size).toBe(plain.size);
          expect(t.top(n)).toEqual(plain.top(n));
          expect(t.top(3)).toEqual(plain.top(3));
          const sorted = (x: DestinationTally) =>
            x
              .entries()
              .map((d) => `${d.ip}|${d.port}=${d.count}`)
              .sort();
          expect(sorted(t)).toEqual(sorted(plain));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('merges, clones, and survives a structured clone (worker threads)', () => {
    const a = new DestinationTally();
    const b = new DestinationTally();
    for (let i = 0; i < 5000; i++) a.add(`52.0.${i >> 8}.${i & 255}`, 443);
    b.add('52.0.0.1', 443, 10);
    b.add('fd00::1', 443, 2);
    const copy = a.clone();
    copy.addAll(DestinationTally.revive(structuredClone(b)));
    expect(a.size).toBe(5000);
    expect(copy.size).toBe(5001);
    expect(copy.top(1)).toEqual([{ ip: '52.0.0.1', port: 443, count: 11 }]);
  });
});

describe('ipv4ToUint and the numeric classifier', () => {
  it('reads strict dotted quads only', () => {
    expect(ipv4ToUint('255.255.255.255')).toBe(4294967295);
    expect(ipv4ToUint('10.0.0.1')).toBe(167772161);
    for (const bad of ['010.0.0.1', '1.2.3', '1.2.3.4.5', '256.1.1.1', '::1', '', '1..2.3']) {
      expect(ipv4ToUint(bad)).toBe(-1);
    }
  });

  it('classifies an IPv4 number exactly as the string classifier classifies its text', () => {
    const classify = createIpClassifier(['20.60.0.0/16', '52.239.1.4']);
    fc.assert(
      fc.property(fc.oneof(v4, fc.constantFrom('20.60.255.1', '52.239.1.4', '168.63.129.16', '100.64.0.1')), (ip) => {
        expect(classify.ipv4(ipv4ToUint(ip))).toBe(classify(ip));
      }),
      { numRuns: 3000 },
    );
  });
});
