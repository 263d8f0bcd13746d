import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  bareAddress,
  ipFamily,
  isDottedQuadAt,
  jsonDocument,
  jsonRows,
  locateHeader,
  numberish,
  parseUint,
  splitLines,
} from '../../../../src/evidence/parsers/util.js';

describe('parser utilities', () => {
  describe('isDottedQuadAt', () => {
    it('agrees with ipaddr.js isValidFourPartDecimal on random and near-miss strings', () => {
      const nearMiss = fc
        .array(fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('', '00', '01', 'x', '1e1')), {
          minLength: 1,
          maxLength: 6,
        })
        .map((p) => p.join('.'));
      fc.assert(
        fc.property(fc.oneof(nearMiss, fc.string({ maxLength: 20 })), fc.string({ maxLength: 3 }), (s, pad) => {
          const padded = `${pad}${s}${pad}`;
          expect(isDottedQuadAt(padded, pad.length, pad.length + s.length)).toBe(ipaddr.IPv4.isValidFourPartDecimal(s));
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('addresses', () => {
    it('strips brackets and zones; families are strict', () => {
      expect(bareAddress('[fe80::1%eth0]')).toBe('fe80::1');
      expect(bareAddress('fe80::1%2')).toBe('fe80::1');
      expect(ipFamily('10.0.0.1')).toBe(4);
      expect(ipFamily('4')).toBe(0);
      expect(ipFamily('::ffff:10.0.0.1')).toBe(6);
      expect(ipFamily('10.0.0')).toBe(0);
    });
  });

  describe('numbers and lines', () => {
    it('parses only plain decimal integers', () => {
      expect(parseUint('0042')).toBe(42);
      expect(parseUint('-1')).toBeNaN();
      expect(parseUint('1e3')).toBeNaN();
      expect(parseUint('70000', 65535)).toBeNaN();
      expect(numberish('12')).toBe(12);
      expect(numberish(1.5)).toBeNull();
      expect(numberish('unassigned')).toBeNull();
    });

    it('splits LF and CRLF without a trailing empty line', () => {
      expect(splitLines('a\r\nb\n')).toEqual(['a', 'b']);
      expect(splitLines('')).toEqual([]);
    });

    it('locates multi-word header names, longest first', () => {
      expect(locateHeader('POD ID   POD', ['POD', 'POD ID'])).toEqual([
        { name: 'POD ID', start: 0, end: 6 },
        { name: 'POD', start: 9, end: 12 },
      ]);
      expect(locateHeader('POD XYZ', ['POD'])).toBeNull();
    });
  });
});

describe('jsonDocument', () => {
  it('returns the document of a JSON file', () => {
    expect(jsonDocument('{"items":[]}', 'pods.json')).toEqual({ ok: true, value: { items: [] } });
  });

  it('returns the one warning every parser gives for a file that is not JSON', () => {
    const doc = jsonDocument('{"items":', 'pods.json');
    expect(doc.ok).toBe(false);
    if (doc.ok) return;
    expect(doc.warning).toMatchObject({ file: 'pods.json', line: 0 });
    expect(doc.warning.message).toMatch(/^invalid JSON: /);
  });
});

describe('jsonRows', () => {
  it('takes the rows under the key or a bare array', () => {
    expect(jsonRows('{"namespaces":[{"ns":1}]}', 'lsns.json', 'namespaces')).toEqual({ ok: true, rows: [{ ns: 1 }] });
    expect(jsonRows('[1,2]', 'lsns.json', 'namespaces')).toEqual({ ok: true, rows: [1, 2] });
  });

  it('warns, naming the key, when there is no such array, and passes on the invalid-JSON warning', () => {
    expect(jsonRows('{"items":[]}', 'crictl-ps.json', 'containers')).toEqual({
      ok: false,
      warning: { file: 'crictl-ps.json', line: 0, message: 'no "containers" array' },
    });
    const broken = jsonRows('{', 'lsns.json', 'namespaces');
    expect(broken.ok === false && broken.warning.message.startsWith('invalid JSON: ')).toBe(true);
  });
});
