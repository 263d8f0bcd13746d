import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bicepForTests, repoRoot, runBicep } from './bicep.js';

const bicep = await bicepForTests();
// The Bicep CLI takes tens of seconds on a loaded two-core machine; its own timeout (runBicep) is 180 s.
const CLI_TIMEOUT = 200_000;

/** Every Bicep file under infra/ (modules included, Kubernetes manifests excluded). */
function bicepFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'k8s') walk(full);
      else if (entry.isFile() && entry.name.endsWith('.bicep')) files.push(path.relative(repoRoot, full));
    }
  };
  walk(path.join(repoRoot, 'infra'));
  return files.sort();
}

interface LinterConfig {
  analyzers: { core: { enabled?: boolean; rules: Record<string, { level: string }> } };
}

const config = JSON.parse(readFileSync(path.join(repoRoot, 'infra/bicepconfig.json'), 'utf8')) as LinterConfig;

describe('infra/bicepconfig.json', () => {
  describe('linter rules', () => {
    it('enables the core analyzer', () => {
      expect(config.analyzers.core.enabled).toBe(true);
    });

    it('sets every rule to warning or error, except the registry rule that needs network access', () => {
      const off = Object.entries(config.analyzers.core.rules)
        .filter(([, rule]) => !['warning', 'error'].includes(rule.level))
        .map(([name]) => name);
      // use-recent-module-versions queries the public module registry, unreachable here; no br/public modules are used.
      expect(off).toEqual(['use-recent-module-versions']);
    });

    it('treats secrets in outputs and hard-coded cloud URLs as errors', () => {
      const rules = config.analyzers.core.rules;
      for (const name of [
        'outputs-should-not-contain-secrets',
        'secure-parameter-default',
        'secure-secrets-in-params',
        'no-hardcoded-env-urls',
        'use-secure-value-for-secure-inputs',
      ]) {
        expect(rules[name]?.level, name).toBe('error');
      }
      for (const name of ['no-unused-params', 'no-unused-vars', 'use-recent-api-versions']) {
        expect(['warning', 'error'], name).toContain(rules[name]?.level);
      }
    });
  });
});

describe.skipIf(!bicep)('bicep CLI on infra/', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'snat-bicep-lint-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  describe('build', () => {
    it(
      'compiles infra/main.bicep without any diagnostic',
      async () => {
        const result = await runBicep(bicep as string, ['build', 'infra/main.bicep', '--stdout']);
        expect(result.stderr.trim()).toBe('');
        expect(result.code).toBe(0);
        expect(JSON.parse(result.stdout).$schema).toContain('subscriptionDeploymentTemplate');
      },
      CLI_TIMEOUT,
    );
  });

  describe('lint', () => {
    it('finds every Bicep file under infra/ (the --pattern below covers them all)', () => {
      expect(bicepFiles()).toEqual(expect.arrayContaining(['infra/main.bicep', 'infra/types.bicep']));
      expect(bicepFiles().filter((f) => f.startsWith('infra/modules/')).length).toBeGreaterThanOrEqual(8);
    });

    it(
      'reports zero warnings and errors on every Bicep file under infra/',
      async () => {
        const result = await runBicep(bicep as string, ['lint', '--pattern', 'infra/**/*.bicep']);
        expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
        expect(result.code).toBe(0);
      },
      CLI_TIMEOUT,
    );

    it(
      'reports violations with this config (the rules are really on)',
      async () => {
        copyFileSync(path.join(repoRoot, 'infra/bicepconfig.json'), path.join(scratch, 'bicepconfig.json'));
        const probe = path.join(scratch, 'probe.bicep');
        writeFileSync(
          probe,
          [
            "@description('Optional. Unused on purpose.')",
            "param unused string = 'x'",
            "@description('Required. A secret.')",
            '@secure()',
            'param secret string',
            "@description('Required. Leaks the secret.')",
            'output leaked string = secret',
            '',
          ].join('\n'),
        );
        const result = await runBicep(bicep as string, ['lint', probe], scratch);
        const out = `${result.stdout}${result.stderr}`;
        expect(out).toMatch(/Warning no-unused-params/);
        expect(out).toMatch(/Error outputs-should-not-contain-secrets/);
        expect(result.code).not.toBe(0);
      },
      CLI_TIMEOUT,
    );
  });
});
