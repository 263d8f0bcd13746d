import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidCidrError } from '../../../src/analysis/errors.js';
import { createIpClassifier, ipInCidrs, normalizeIp, parseCidr } from '../../../src/analysis/ipClassifier.js';

describe('createIpClassifier', () => {
  const classify = createIpClassifier();

  it.each([
    ['10.1.2.3'],
    ['172.16.0.1'],
    ['172.31.255.255'],
    ['192.168.1.1'],
    ['100.64.0.10'],
    ['127.0.0.1'],
    ['169.254.169.254'],
    ['0.0.0.0'],
    ['168.63.129.16'],
    ['::1'],
    ['fd12:3456::1'],
    ['fc00::5'],
    ['fe80::1'],
    ['::ffff:10.0.0.1'],
    ['[fe80::1%eth0]'],
  ])('treats %s as private (no SNAT)', (ip) => {
    expect(classify(ip)).toBe('private');
  });

  it.each([
    ['20.60.1.12'],
    ['52.1.2.3'],
    ['172.32.0.1'],
    ['100.128.0.1'],
    ['168.63.129.17'],
    ['2603:1030::1'],
    ['::ffff:20.60.1.12'],
    ['[2001:db8::1]'],
  ])('treats %s as public', (ip) => {
    expect(classify(ip)).toBe('public');
  });

  it('applies user ranges on top of the built-in ones', () => {
    const withVnet = createIpClassifier(['20.60.0.0/16', '2603:1030::/32']);
    expect(withVnet('20.60.1.12')).toBe('private');
    expect(withVnet('2603:1030::1')).toBe('private');
    expect(withVnet('20.61.0.1')).toBe('public');
  });

  it('classifies unparseable text as private so garbage never counts as SNAT use', () => {
    expect(classify('not-an-ip')).toBe('private');
    expect(classify('')).toBe('private');
  });

  it('agrees with itself on every IPv4 address, cached or not', () => {
    const fresh = () => createIpClassifier();
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(classify(ip)).toBe(fresh()(ip));
      }),
      { numRuns: 300 },
    );
  });

  it('exposes its IPv4 ranges sorted and merged: adjacent, nested and overlapping CIDRs become one range', () => {
    const c = createIpClassifier(['11.0.0.0/8', '10.1.0.0/16', '172.20.0.0/14', '20.60.1.12']);
    expect([...c.ipv4Ranges]).toEqual([
      0x00000000,
      0x00ffffff, // 0.0.0.0/8
      0x0a000000,
      0x0bffffff, // 10.0.0.0/8 with 11.0.0.0/8 (adjacent) and 10.1.0.0/16 (nested)
      0x143c010c,
      0x143c010c, // 20.60.1.12
      0x64400000,
      0x647fffff, // 100.64.0.0/10
      0x7f000000,
      0x7fffffff, // 127.0.0.0/8
      0xa83f8110,
      0xa83f8110, // 168.63.129.16
      0xa9fe0000,
      0xa9feffff, // 169.254.0.0/16
      0xac100000,
      0xac1fffff, // 172.16.0.0/12 holding 172.20.0.0/14
      0xc0a80000,
      0xc0a8ffff, // 192.168.0.0/16
    ]);
  });

  it('classifies ascending addresses by walking its ranges exactly as ipv4() does one at a time', () => {
    fc.assert(
      fc.property(
        fc.array(fc.ipV4(), { maxLength: 8 }),
        fc.array(fc.nat({ max: 0xffffffff }), { minLength: 1, maxLength: 200 }),
        (extra, addresses) => {
          const c = createIpClassifier(extra.map((ip, i) => `${ip}/${8 + ((i * 5) % 25)}`));
          const ranges = c.ipv4Ranges;
          let r = 0;
          for (const a of [...addresses].sort((x, y) => x - y)) {
            while (r < ranges.length && a > ranges[r + 1]!) r += 2;
            const walked = r === ranges.length || a < ranges[r]! ? 'public' : 'private';
            expect(walked).toBe(c.ipv4(a));
            expect(c.ipv4(a)).toBe(
              createIpClassifier(extra.map((ip, i) => `${ip}/${8 + ((i * 5) % 25)}`))(
                `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`,
              ),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('classifies mapped IPv6 exactly like its IPv4', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(classify(`::ffff:${ip}`)).toBe(classify(ip));
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseCidr', () => {
  it('throws InvalidCidrError naming the input', () => {
    expect(() => parseCidr('10.0.0.0/33')).toThrow(InvalidCidrError);
    expect(() => parseCidr('banana')).toThrow(/banana/);
  });

  it('accepts bare addresses as host routes', () => {
    expect(parseCidr('20.1.2.3')[1]).toBe(32);
    expect(parseCidr('2001:db8::1')[1]).toBe(128);
  });
});

describe('normalizeIp', () => {
  it('strips brackets and zone ids', () => {
    expect(normalizeIp('[2001:db8::1]')).toBe('2001:db8::1');
    expect(normalizeIp('fe80::1%eth0')).toBe('fe80::1');
  });
});

describe('ipInCidrs', () => {
  it('matches only ranges of the same family', () => {
    expect(ipInCidrs('20.60.1.12', ['20.60.0.0/16'])).toBe(true);
    expect(ipInCidrs('20.60.1.12', ['2001:db8::/32'])).toBe(false);
    expect(ipInCidrs('nonsense', ['20.60.0.0/16'])).toBe(false);
  });
});
