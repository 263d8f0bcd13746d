import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLsns, parseLsnsJson, parseLsnsText } from '../../../../src/evidence/parsers/lsns.js';
import type { NetnsEntry } from '../../../../src/evidence/types.js';
import { expectWellFormedWarnings, fixture, mutate, mutations } from './helpers.js';

function expectWellTyped(e: NetnsEntry): void {
  expect(Number.isInteger(e.inode) && e.inode >= 0).toBe(true);
  expect(Number.isInteger(e.pid) && e.pid >= 0).toBe(true);
  expect(e.nprocs === null || Number.isInteger(e.nprocs)).toBe(true);
  expect(e.netnsid === null || Number.isInteger(e.netnsid)).toBe(true);
  expect(typeof e.command).toBe('string');
}

describe('parseLsns', () => {
  describe('text', () => {
    it('reads the runbook sample', () => {
      expect(parseLsns(fixture('lsns-runbook.txt'), 'lsns.txt')).toEqual({
        items: [{ inode: 4026532785, nprocs: 3, pid: 19832, user: 'root', command: 'bash', netnsid: null, nsfs: null }],
        warnings: [],
      });
    });

    it('reads util-linux 2.37+ output with right-aligned numbers and empty NETNSID/NSFS cells', () => {
      const r = parseLsns(fixture('lsns-netnsid.txt'), 'lsns.txt');
      expect(r.warnings).toEqual([]);
      expect(r.items).toEqual([
        { inode: 4026531840, nprocs: 183, pid: 1, user: 'root', command: '/sbin/init', netnsid: null, nsfs: null },
        {
          inode: 4026532785,
          nprocs: 3,
          pid: 19832,
          user: 'root',
          command: 'bash',
          netnsid: 1,
          nsfs: '/run/netns/cni-8f4c1a1e-7d1a-2b3c-9f00-0a1b2c3d4e5f',
        },
        {
          inode: 4026532901,
          nprocs: 5,
          pid: 2200,
          user: '65535',
          command: '/pause',
          netnsid: 2,
          nsfs: '/run/netns/cni-11111111-2222-3333-4444-555555555555',
        },
        {
          inode: 4026533001,
          nprocs: 2,
          pid: 4200,
          user: 'root',
          command: 'php-fpm: master process (/usr/local/etc/php-fpm.conf)',
          netnsid: null,
          nsfs: null,
        },
      ]);
    });

    it('reads the classic six columns and a custom -o order', () => {
      expect(parseLsns(fixture('lsns-classic.txt')).items.map((e) => [e.inode, e.pid, e.command])).toEqual([
        [4026531840, 1, '/sbin/init'],
        [4026532785, 19832, 'bash'],
      ]);
      const custom = parseLsns(fixture('lsns-custom.txt'));
      expect(custom.warnings).toEqual([]);
      expect(custom.items).toEqual([
        {
          inode: 4026532785,
          nprocs: null,
          pid: 19832,
          user: null,
          command: 'bash -c sleep infinity',
          netnsid: null,
          nsfs: null,
        },
        {
          inode: 4026531840,
          nprocs: null,
          pid: 1,
          user: null,
          command: '/sbin/init splash',
          netnsid: null,
          nsfs: null,
        },
      ]);
    });

    it('keeps only net namespaces from a plain `lsns`', () => {
      expect(parseLsns(fixture('lsns-alltypes.txt')).items.map((e) => e.inode)).toEqual([4026531840, 4026532785]);
    });

    it('assumes default columns without a header, decodes `-r` escapes, and handles CRLF', () => {
      const r = parseLsnsText('4026532785 net 3 19832 root php-fpm:\\x20pool\\x20www\r\n', 'lsns.txt');
      expect(r.items[0]).toMatchObject({ inode: 4026532785, pid: 19832, command: 'php-fpm: pool www' });
      expect(r.warnings).toEqual([{ file: 'lsns.txt', line: 0, message: expect.stringMatching(/no header/) }]);
    });

    it('warns about rows it cannot read and returns nothing for an empty file', () => {
      const r = parseLsnsText('NS TYPE NPROCS PID USER COMMAND\nnot a row\n', 'lsns.txt');
      expect(r.items).toEqual([]);
      expect(r.warnings).toEqual([{ file: 'lsns.txt', line: 2, message: 'unrecognised lsns row: not a row' }]);
      expect(parseLsns('', 'lsns.txt')).toEqual({ items: [], warnings: [] });
    });
  });

  describe('JSON (-J)', () => {
    it('reads numbers as numbers and "unassigned" netnsid as null', () => {
      const r = parseLsns(fixture('lsns.json'), 'lsns.json');
      expect(r.warnings).toEqual([]);
      expect(r.items[1]).toEqual({
        inode: 4026532785,
        nprocs: 3,
        pid: 19832,
        user: 'root',
        command: 'bash',
        netnsid: 1,
        nsfs: '/run/netns/cni-8f4c1a1e-7d1a-2b3c-9f00-0a1b2c3d4e5f',
      });
      expect(r.items[0]?.netnsid).toBeNull();
    });

    it('reads older util-linux output where numbers are strings', () => {
      const r = parseLsns(fixture('lsns-strings.json'), 'lsns.json');
      expect(r.items.map((e) => [e.inode, e.pid, e.nprocs])).toEqual([
        [4026531840, 1, 183],
        [4026532785, 19832, 3],
      ]);
    });

    it('walks --tree children and skips other types', () => {
      const r = parseLsnsJson(
        JSON.stringify({
          namespaces: [
            { ns: 1, type: 'net', pid: 1, command: 'a', children: [{ ns: 2, type: 'net', pid: 5, command: 'b' }] },
            { ns: 3, type: 'mnt', pid: 1, command: 'c' },
          ],
        }),
        'lsns.json',
      );
      expect(r.items.map((e) => e.inode)).toEqual([1, 2]);
    });

    it('warns on invalid JSON, a missing array and bad rows', () => {
      expect(parseLsnsJson('{', 'lsns.json').warnings[0]?.message).toMatch(/^invalid JSON/);
      expect(parseLsnsJson('{}', 'lsns.json').warnings[0]?.message).toMatch(/namespaces/);
      const r = parseLsnsJson('{"namespaces":[1,{"ns":"x","pid":1}]}', 'lsns.json');
      expect(r.items).toEqual([]);
      expect(r.warnings).toHaveLength(2);
    });
  });

  describe('properties', () => {
    const real = [
      ...fixture('lsns-netnsid.txt').split('\n'),
      ...fixture('lsns-custom.txt').split('\n'),
      ...fixture('lsns.json').split('\n'),
    ];

    it('never throws on random or mutated input and returns well-typed rows', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 300 }),
            fc
              .array(fc.tuple(fc.constantFrom(...real), fc.constantFrom(...mutations), fc.nat(), fc.string()), {
                maxLength: 12,
              })
              .map((m) => m.map(([l, k, at, j]) => mutate(l, k, at, j)).join('\n')),
            fc.json().map((j) => `{"namespaces":[${j}]}`),
          ),
          (text) => {
            const r = parseLsns(text, 'lsns.txt');
            r.items.forEach(expectWellTyped);
            expectWellFormedWarnings(r.warnings, 'lsns.txt', text.split('\n').length);
          },
        ),
        { numRuns: 400 },
      );
    });
  });
});
