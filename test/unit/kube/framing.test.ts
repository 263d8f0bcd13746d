import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CaptureOutputTruncatedError } from '../../../src/kube/errors.js';
import { decodeCapture, encodeCapture } from '../../../src/kube/framing.js';

const SCRIPT = fileURLToPath(new URL('../../../src/kube/capture-script/capture.sh', import.meta.url));
const files = [
  { path: 'tcptracer.log', data: Buffer.from('Tracing TCP established connections. Ctrl-C to end.\n'.repeat(200)) },
  { path: 'pstree/4321.txt', data: Buffer.from('systemd,1\n') },
  { path: 'capture.json', data: Buffer.from('{"schemaVersion":1}\n') },
];

describe('framing', () => {
  describe('round trip', () => {
    it('decodes what it encodes, ignoring noise outside blocks', () => {
      const log = `W1126 stderr noise\n${encodeCapture(files)}trailing noise\n`;
      expect(decodeCapture(log)).toEqual(files);
    });
  });

  describe('truncation', () => {
    it('throws CaptureOutputTruncatedError without a begin marker', () => {
      expect(() => decodeCapture('snat-capture: gzip not found on the node\n')).toThrow(CaptureOutputTruncatedError);
    });

    it('throws CaptureOutputTruncatedError when the end marker is missing', () => {
      const log = encodeCapture(files);
      expect(() => decodeCapture(log.slice(0, log.lastIndexOf('==SNAT-CAPTURE-END')))).toThrow(/no end marker/);
    });

    it('throws when a block lost lines (byte count mismatch)', () => {
      const lines = encodeCapture(files).split('\n');
      lines.splice(2, 1);
      expect(() => decodeCapture(lines.join('\n'))).toThrow(/announced/);
    });

    it('refuses paths outside the bundle', () => {
      const log = encodeCapture([{ path: '../../etc/passwd', data: Buffer.from('x') }]);
      expect(() => decodeCapture(log)).toThrow(/outside the bundle/);
    });
  });

  describe('capture.sh', () => {
    // The real script, run here without chroot: tools missing on this machine are reported, the rest captured.
    it('prints a block the decoder accepts, with node facts and missing tools', () => {
      const out = execFileSync('sh', [SCRIPT], {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          TRACE_SECONDS: '5',
          NODE_NAME: 'test-node',
          INVESTIGATION_ID: 'unit-1',
          BCC_TOOLS: '/nonexistent/bcc',
        },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      const decoded = decodeCapture(out);
      const paths = decoded.map((f) => f.path);
      expect(paths).toContain('capture.json');
      expect(paths.some((p) => p.startsWith('sockets/'))).toBe(true);
      const facts = JSON.parse(decoded.find((f) => f.path === 'capture.json')?.data.toString() ?? '{}');
      expect(facts).toMatchObject({
        schemaVersion: 1,
        node: 'test-node',
        investigationId: 'unit-1',
        traceSeconds: 5,
        truncated: false,
      });
      expect(facts.missingTools).toContain('tcptracer');
      expect(facts.netnsCount).toBeGreaterThan(0);
    });

    it("works only in SCRATCH_DIR (the Job's emptyDir) and leaves it empty; a missing one fails with the fix", () => {
      const scratch = mkdtempSync(join(tmpdir(), 'snat-scratch-'));
      try {
        const out = execFileSync('sh', [SCRIPT], {
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            TRACE_SECONDS: '5',
            BCC_TOOLS: '/nonexistent/bcc',
            SCRATCH_DIR: scratch,
          },
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        });
        expect(decodeCapture(out).some((f) => f.path === 'capture.json')).toBe(true);
        expect(readdirSync(scratch)).toEqual([]);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
      let stderr = '';
      try {
        execFileSync('sh', [SCRIPT], {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SCRATCH_DIR: `${scratch}/gone` },
          encoding: 'utf8',
          stdio: 'pipe',
        });
      } catch (err) {
        stderr = String((err as { stderr: string }).stderr);
      }
      expect(stderr).toContain('is the scratch volume mounted?');
    });

    it.each([
      ['TRACE_SECONDS', '5; reboot'],
      ['TRACE_SECONDS', '0'],
      ['NODE_NAME', 'node$(id)'],
      ['INVESTIGATION_ID', 'a b'],
      ['BCC_TOOLS', 'relative/path'],
      ['SCRATCH_DIR', 'relative/tmp'],
      ['SCRATCH_DIR', '/tmp/../etc'],
      ['SCRATCH_DIR', '/tmp/$(id)'],
    ])('rejects %s=%j before running anything', (name, value) => {
      let status = 0;
      let stderr = '';
      try {
        execFileSync('sh', [SCRIPT], {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', [name]: value },
          encoding: 'utf8',
          stdio: 'pipe',
        });
      } catch (err) {
        status = (err as { status: number }).status;
        stderr = String((err as { stderr: string }).stderr);
      }
      expect(status).toBe(2);
      expect(stderr).toContain(`snat-capture: ${name}`);
    });
  });
});
