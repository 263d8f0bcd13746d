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
