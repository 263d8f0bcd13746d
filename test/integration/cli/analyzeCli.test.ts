/**
 * `snat-responder analyze` as a user runs it: the built CLI in a child process, on bundles in real tool formats.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../../src/report/model.js';
import { DEMO_NODE, demoScenario } from '../../../src/sim/kube/demoScenario.js';
import { netstatPtn } from '../../../src/sim/kube/formats.js';
import { renderNodeCapture } from '../../../src/sim/kube/scenario.js';
import { ANALYZE_BUNDLE, ensureBuilt, PROJECT_ROOT, runCli } from '../../support/cli.js';

const root = PROJECT_ROOT;
const cli = runCli;
const runbook = join(root, 'test/fixtures/bundles/runbook');

function json(...args: string[]): Report {
  const res = cli(...args, '--format', 'json');
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return JSON.parse(res.stdout) as Report;
}

let work: string;
let demoBundle: string;

beforeAll(async () => {
  ensureBuilt();
  work = await mkdtemp(join(tmpdir(), 'snat-analyze-cli-'));
  // The simulated node's capture, in the exact files the capture Job writes, plus netstat from two pods.
  demoBundle = join(work, 'demo');
  const scenario = demoScenario();
  const node = scenario.nodes.find((n) => n.name === DEMO_NODE)!;
  for (const f of renderNodeCapture(node, { TRACE_SECONDS: '60' }, scenario)) {
    await mkdir(dirname(join(demoBundle, f.path)), { recursive: true });
    await writeFile(join(demoBundle, f.path), f.data);
  }
  await mkdir(join(demoBundle, 'netstat'), { recursive: true });
  for (const pod of scenario.pods.filter((p) => p.nodeName === DEMO_NODE && p.containers.some((c) => c.hasNetstat))) {
    await writeFile(join(demoBundle, 'netstat', `${pod.namespace}_${pod.name}.txt`), netstatPtn(pod.sockets));
  }
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('snat-responder analyze', () => {
  it('runs from the bundle of the compiled CLI and prints exactly what the compiled modules print', () => {
    // A module hook names every file loaded; the bundle must be the entry, the compiled modules untouched.
    const hook = `data:text/javascript,${encodeURIComponent(
      `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent("export async function load(u, c, n) { if (u.startsWith('file:')) process._rawDebug('LOADED ' + u); return n(u, c); }"));`,
    )}`;
    const args = ['analyze', runbook, '--format', 'json', '--threads', '1'];
    const viaBin = spawnSync(process.execPath, ['--import', hook, join(root, 'bin/snat-responder.js'), ...args], {
      encoding: 'utf8',
    });
    const loaded = viaBin.stderr.split('\n').filter((l) => l.startsWith('LOADED '));
    expect(loaded.some((l) => l.endsWith(ANALYZE_BUNDLE))).toBe(true);
    expect(loaded.filter((l) => l.includes('/dist/src/') && !l.includes('/dist/src/cli/bundle/'))).toEqual([]);
    const viaModules = spawnSync(process.execPath, [join(root, 'dist/src/cli/main.js'), ...args], { encoding: 'utf8' });
    expect(viaBin.status).toBe(0);
    expect(viaModules.status).toBe(0);
    const comparable = (out: string) => ({ ...(JSON.parse(out) as Report), generatedAt: null });
    expect(comparable(viaBin.stdout)).toEqual(comparable(viaModules.stdout));
  });

  describe('on the runbook example bundle', () => {
    it('lists the runbook talker with its public connects and counts the redacted lines as warnings', () => {
      const report = json('analyze', runbook);
      expect(report.schemaVersion).toBe('1.0');
      expect(report.unattributed[0]).toMatchObject({ saddr: '1.2.3.4', netns: 4026532785, connectsPublic: 4 });
      expect(report.trace).toMatchObject({ connects: 4, closes: 4 });
      expect(report.parseWarnings).toBeGreaterThan(0);
      expect(report.evidenceFiles).toEqual([
        'crictl-ps.txt',
        'lsns.txt',
        'netstat/default_nginx.txt',
        'pstree/19832.txt',
        'tcptracer.log',
      ]);
    });

    it('prints Markdown by default: verdict first, then the table, then the evidence', () => {
      const res = cli('analyze', runbook);
      expect(res.code).toBe(0);
      const verdict = res.stdout.indexOf('**Verdict:**');
      const table = res.stdout.indexOf('## Ranked pods');
      const evidence = res.stdout.indexOf('## Evidence');
      expect(verdict).toBeGreaterThan(0);
      expect(table).toBeGreaterThan(verdict);
      expect(evidence).toBeGreaterThan(table);
      expect(res.stdout).toContain('1.2.3.4');
    });
  });

  describe('on a complete node capture', () => {
    it('names the culprit pod with the attribution chain and socket numbers', () => {
      const report = json('analyze', demoBundle);
      const top = report.rankedPods[0]!;
      expect(report.verdict).toMatchObject({ kind: 'pod', namespace: 'payments', pod: 'checkout-api-7d9f8b6c5-x2x9q' });
      expect(top).toMatchObject({
        namespace: 'payments',
        pod: 'checkout-api-7d9f8b6c5-x2x9q',
        socketMethod: 'netstat',
      });
      expect(top.establishedPublic).toBeGreaterThan(100);
      expect(top.connectsPublic).toBeGreaterThan(300);
      expect(top.topDestinations[0]).toMatchObject({ ip: '20.60.1.12', port: 443 });
      expect(top.attribution.paths).toContain('netns-chain');
      expect(report.hostTraffic?.connectsPublic).toBeGreaterThan(0);
      expect(report.rankedPods.some((p) => p.socketMethod === 'node-socket-table')).toBe(true);
      expect(report.recommendations.length).toBeGreaterThan(0);
    });

    it('treats --private-cidr ranges as non-SNAT destinations', () => {
      const report = json('analyze', demoBundle, '--private-cidr', '20.60.0.0/16');
      const checkout = report.rankedPods.find((p) => p.pod === 'checkout-api-7d9f8b6c5-x2x9q')!;
      expect(checkout.topDestinations.some((d) => d.ip === '20.60.1.12')).toBe(false);
      expect(report.privateCidrs).toEqual(['20.60.0.0/16']);
    });

    it('renders HTML and the Teams card, and --out writes the file', async () => {
      const out = join(work, 'report.html');
      const html = cli('analyze', demoBundle, '--format', 'html', '--out', out);
      expect(html.code).toBe(0);
      expect(html.stdout).toBe('');
      expect((await readFile(out, 'utf8')).toLowerCase()).toContain('<!doctype html>');
      const card = cli('analyze', demoBundle, '--format', 'card', '--report-url', 'https://example.invalid/r.html');
      const payload = JSON.parse(card.stdout) as { type: string; attachments: Array<{ contentType: string }> };
      expect(payload.type).toBe('message');
      expect(payload.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    });
  });

  describe('on a single trace file', () => {
    const line = (comm: string, saddr: string, daddr: string, i: number) =>
      `${String(i * 1000).padEnd(14)}${'connect'.padEnd(12)} ${String(100 + i).padEnd(6)} ${comm.padEnd(16)} 4  ${saddr.padEnd(16)} ${daddr.padEnd(16)} ${String(40000 + i).padEnd(6)} 443    4026532785`;
    const header =
      'Tracing TCP established connections. Ctrl-C to end.\nTIME(ns)      TYPE         PID    COMM             IP SADDR            DADDR            SPORT  DPORT  NETNS\n';
    const trace = `${header}${[
      ...Array.from({ length: 5 }, (_, i) => line('php-fpm: pool www', '10.244.1.5', '52.1.1.1', i)),
      ...Array.from({ length: 3 }, (_, i) => line('curl', '10.244.1.9', '52.1.1.2', i + 5)),
    ].join('\n')}\n`;

    it('keeps COMM with spaces from shifting the columns (the runbook awk pipeline miscounts these)', async () => {
      const file = join(work, 'spaces.log');
      await writeFile(file, trace);
      const report = json('analyze', file);
      expect(report.unattributed.map((u) => [u.saddr, u.connectsPublic, u.processes])).toEqual([
        ['10.244.1.5', 5, ['php-fpm: pool www']],
        ['10.244.1.9', 3, ['curl']],
      ]);
      const awk = spawnSync('sh', ['-c', `awk '{print $6,$10}' "${file}" | sort | uniq -c | sort -nrk 1`], {
        encoding: 'utf8',
      });
      // With two extra words in COMM, awk's $6 is no longer SADDR: the runbook's pipeline cannot see 10.244.1.5.
      expect(awk.stdout).not.toContain('10.244.1.5');
    });

    it('reads gzip and CRLF traces exactly like the plain file', async () => {
      const plain = join(work, 'plain.log');
      const gz = join(work, 'trace.log.gz');
      const crlf = join(work, 'crlf.log');
      await writeFile(plain, trace);
      await writeFile(gz, gzipSync(trace));
      await writeFile(crlf, trace.replaceAll('\n', '\r\n'));
      const expected = json('analyze', plain).unattributed;
      expect(json('analyze', gz).unattributed).toEqual(expected);
      expect(json('analyze', crlf).unattributed).toEqual(expected);
    });
  });

  describe('on a large trace read in parallel slices', () => {
    it('gives exactly the single-threaded report, warnings renumbered to whole-file lines', async () => {
      const file = join(work, 'large.log');
      const rows: string[] = [
        'Tracing TCP established connections. Ctrl-C to end.',
        'TIME(ns)      TYPE         PID    COMM             IP SADDR            DADDR            SPORT  DPORT  NETNS',
      ];
      const comms = ['curl', 'php-fpm: pool www', 'java', 'node'];
      for (let i = 0; i < 180_000; i++) {
        const pod = i % 37;
        const type = ['connect', 'close', 'accept'][i % 3]!;
        const daddr = i % 5 === 0 ? '10.0.0.4' : `52.1.${i % 7}.${(i % 11) + 1}`;
        rows.push(
          `${String(i * 1000).padEnd(14)}${type.padEnd(12)} ${String(1000 + (i % 50)).padEnd(6)} ${comms[pod % 4]!.padEnd(16)} 4  ${`10.244.0.${pod + 10}`.padEnd(16)} ${daddr.padEnd(16)} ${String(30000 + (i % 30000)).padEnd(6)} 443    ${4026532000 + pod}`,
        );
        if (i % 60_000 === 59_999) rows.push('garbage line that is no event');
      }
      await writeFile(file, `${rows.join('\n')}\n`);
      const single = json('analyze', file, '--threads', '1');
      const parallel = json('analyze', file, '--threads', '4');
      const { generatedAt: _a, ...a } = single;
      const { generatedAt: _b, ...b } = parallel;
      expect(b).toEqual(a);
      expect(single.trace.events).toBe(180_000);
      expect(single.parseWarnings).toBe(3);
      expect(single.warningSamples.map((w) => w.line)).toEqual([60_003, 120_004, 180_005]);
    });
  });

  describe("on other tools' output and compressed bundles", () => {
    it('reads a bundle whose every file is gzip-compressed (.gz) exactly like the plain bundle', async () => {
      const gzBundle = join(work, 'runbook-gz');
      for (const rel of [
        'tcptracer.log',
        'lsns.txt',
        'crictl-ps.txt',
        'netstat/default_nginx.txt',
        'pstree/19832.txt',
      ]) {
        await mkdir(dirname(join(gzBundle, rel)), { recursive: true });
        await writeFile(join(gzBundle, `${rel}.gz`), gzipSync(await readFile(join(runbook, rel))));
      }
      const { generatedAt: _a, evidenceFiles, ...gz } = json('analyze', gzBundle);
      const { generatedAt: _b, evidenceFiles: plainFiles, ...plain } = json('analyze', runbook);
      expect(evidenceFiles).toEqual(plainFiles.map((f) => `${f}.gz`));
      // Attribution steps cite the files that were read.
      expect(JSON.stringify(gz).replaceAll('.gz', '')).toEqual(JSON.stringify(plain));
    });

    it('attributes an Inspektor Gadget trace by its k8s enrichment, recorded as its own path', async () => {
      const file = join(work, 'gadget.log');
      await writeFile(file, await readFile(join(root, 'test/fixtures/evidence/gadget-trace-tcp.log')));
      const report = json('analyze', file);
      expect(report.trace).toMatchObject({ tool: 'inspektor-gadget', connects: 3, closes: 1, accepts: 1 });
      expect(report.verdict).toMatchObject({ kind: 'pod', namespace: 'shop', pod: 'web-7d9c' });
      expect(report.rankedPods[0]!.attribution.paths).toEqual(['gadget-k8s']);
      expect(report.rankedPods[0]!.attribution.steps[0]!.detail).toMatch(/Inspektor Gadget's k8s enrichment/);
    });

    it('reads tcpconnect output as a degraded trace and says so in the report', async () => {
      const file = join(work, 'tcpconnect.log');
      await writeFile(file, await readFile(join(root, 'test/fixtures/evidence/tcpconnect-tU.log')));
      const report = json('analyze', file);
      expect(report.trace).toMatchObject({ tool: 'tcpconnect', connects: 4, closes: 0 });
      expect(report.investigation.problems.join(' ')).toMatch(/tcpconnect output: connects only/);
      expect(report.unattributed[0]).toMatchObject({ saddr: '10.244.0.12', connectsPublic: 1 });
    });
  });

  describe('evidence that yields nothing', () => {
    const cases: Array<[string, string | Buffer, RegExp]> = [
      [
        'tcplife.log',
        'PID    COMM       LADDR           LPORT RADDR           RPORT TX_KB RX_KB MS\n22597  curl       10.244.0.5      46644 52.1.1.1        443       0     1 20.23\n',
        /this looks like tcplife output/,
      ],
      [
        'dns.json',
        '{"k8s":{"node":"n","namespace":"a","podName":"b"},"runtime":{},"name":"example.org.","qr":"Q"}\n',
        /Inspektor Gadget JSON without TCP events/,
      ],
      ['garbage.bin', Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 0x7f, 0xff, 0xfe, 10]), /binary data/],
      ['ss.txt.gz', gzipSync('tcp   ESTAB 0 0 10.244.0.5:43212 20.60.1.12:443\n'), /gzip-compressed ss output/],
      ['empty.log', '', /an empty file/],
    ];
    it.each(cases)(
      'exits 2 with one line naming what %s looks like, and writes nothing',
      async (name, data, phrase) => {
        const file = join(work, name);
        await writeFile(file, data);
        const out = join(work, `${name}.out`);
        const res = cli('analyze', file, '--out', out);
        expect(res.code).toBe(2);
        expect(res.stdout).toBe('');
        expect(res.stderr.trim().split('\n')).toHaveLength(1);
        expect(res.stderr).toMatch(/no usable evidence in .*: the trace yielded no events: /);
        expect(res.stderr).toMatch(phrase);
        expect(existsSync(out)).toBe(false);
      },
    );

    it('exits 2 for a bundle whose trace parses nothing and that has no socket rows', async () => {
      const dir = join(work, 'nothing-usable');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'tcptracer.log'), 'PID    COMM         IP SADDR            DADDR            DPORT\n');
      await writeFile(join(dir, 'lsns.txt'), await readFile(join(runbook, 'lsns.txt')));
      const res = cli('analyze', dir);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/this looks like tcpconnect output with no connect rows/);
    });

    it('reports insufficient-evidence (never "none") when socket rows exist but the trace parsed nothing', async () => {
      const dir = join(work, 'sockets-only');
      await mkdir(join(dir, 'netstat'), { recursive: true });
      await writeFile(join(dir, 'tcptracer.log'), 'not a trace\n');
      await writeFile(
        join(dir, 'netstat', 'shop_web.txt'),
        'tcp        0      0 10.244.0.5:43214        10.0.0.4:5432          ESTABLISHED 18627/psql\n',
      );
      const report = json('analyze', dir);
      expect(report.verdict.kind).toBe('insufficient-evidence');
      expect(report.verdict.summary).toMatch(/the trace yielded no events: text that no trace format matches/);
    });
  });

  describe('bad input', () => {
    it('exits 2 with one line for a missing path', () => {
      const res = cli('analyze', join(work, 'does-not-exist'));
      expect(res.code).toBe(2);
      expect(res.stdout).toBe('');
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(/no such file or directory/);
    });

    it('exits 2 for a directory with no recognizable evidence', async () => {
      const empty = join(work, 'empty');
      await mkdir(empty, { recursive: true });
      await writeFile(join(empty, 'notes.txt'), 'nothing here');
      const res = cli('analyze', empty);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/no recognizable evidence/);
    });

    it('exits 2 for an invalid --private-cidr and writes nothing', () => {
      const out = join(work, 'never.json');
      const res = cli('analyze', runbook, '--private-cidr', '10.0.0.0/33', '--out', out);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/--private-cidr: invalid CIDR "10.0.0.0\/33"/);
      expect(existsSync(out)).toBe(false);
    });

    it('exits 2 for an unknown format', () => {
      const res = cli('analyze', runbook, '--format', 'pdf');
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/pdf/);
    });
  });
});

describe('snat-responder analyze --service-tags', () => {
  const tags = join(root, 'test/fixtures/service-tags/ServiceTags_Public_20261130.json');

  it('names the Azure service of IPv4 and IPv6 destinations and advises the private path', () => {
    const report = json('analyze', demoBundle, '--service-tags', tags);
    expect(report.serviceTags).toEqual({
      changeNumber: 318,
      cloud: 'Public',
      source: 'ServiceTags_Public_20261130.json',
    });
    const top = report.rankedPods[0]!;
    expect(top.topDestinations[0]).toMatchObject({ ip: '20.60.1.12', serviceTag: 'Storage.WestEurope' });
    expect(report.hostTraffic?.topDestinations.find((d) => d.ip.includes(':'))).toMatchObject({
      ip: '2603:1061:13f1:4c1d::1',
      serviceTag: 'AzureFrontDoor.Frontend',
    });
    expect(report.recommendations.find((r) => r.kind === 'private-endpoint')?.title).toBe(
      'Reach Azure Storage (Storage.WestEurope) through a private endpoint',
    );
    // Without pods.json the workload is inferred from the pod's generated name.
    expect(top.workload).toEqual({
      kind: 'Deployment',
      namespace: 'payments',
      name: 'checkout-api',
      resolvedBy: 'inferred',
    });
    // Without the file nothing is tagged.
    expect(json('analyze', demoBundle).rankedPods[0]?.topDestinations[0]?.serviceTag).toBeUndefined();
  });

  it('exits 2 with one line for a missing or malformed file and writes nothing', async () => {
    const out = join(work, 'tags-out.md');
    const missing = cli('analyze', demoBundle, '--service-tags', join(work, 'nope.json'), '--out', out);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/--service-tags: cannot read .*nope\.json: ENOENT/);
    const bad = join(work, 'bad-tags.json');
    await writeFile(bad, JSON.stringify({ values: [{ name: 'Storage' }] }));
    const malformed = cli('analyze', demoBundle, '--service-tags', bad, '--out', out);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(
      /--service-tags: .*bad-tags\.json: not a service-tag document .*values\.0\.properties/,
    );
    expect(existsSync(out)).toBe(false);
  });
});
