import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Repository root (this file lives in test/infra/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** An ARM template as the Bicep CLI emits it (languageVersion 2.0: resources keyed by symbolic name). */
export interface ArmTemplate {
  languageVersion?: string;
  metadata?: { _generator?: { templateHash?: string } };
  definitions?: Record<string, ArmParameter>;
  parameters?: Record<string, ArmParameter>;
  variables?: Record<string, unknown>;
  resources: Record<string, ArmResource> | ArmResource[];
  outputs?: Record<string, ArmOutput>;
}

export interface ArmParameter {
  type?: string;
  $ref?: string;
  nullable?: boolean;
  defaultValue?: unknown;
  items?: { $ref?: string; type?: string };
  properties?: Record<string, ArmParameter>;
  metadata?: { description?: string };
}

export interface ArmOutput {
  type: string;
  value?: unknown;
  copy?: unknown;
  metadata?: { description?: string };
}

export interface ArmResource {
  type: string;
  apiVersion: string;
  name: string;
  condition?: string;
  existing?: boolean;
  scope?: string;
  subscriptionId?: string;
  resourceGroup?: string;
  location?: string;
  kind?: string;
  sku?: Record<string, unknown>;
  identity?: Record<string, unknown>;
  dependsOn?: string[];
  copy?: { name: string; count: string };
  // biome-ignore lint/suspicious/noExplicitAny: ARM resource properties are free-form JSON checked by the tests.
  properties?: any;
}

/** A resource found somewhere in the template tree, with the chain of module deployments that holds it. */
export interface LocatedResource {
  symbol: string;
  resource: ArmResource;
  /** Symbolic names of the nested deployments from the root to the template holding the resource. */
  modulePath: string[];
  /** The template that declares the resource. */
  template: ArmTemplate;
}

/** Resources of one template as [symbolic name, resource] pairs, whatever the language version. */
export function resourcesOf(template: ArmTemplate): Array<[string, ArmResource]> {
  if (Array.isArray(template.resources)) return template.resources.map((r, i) => [`#${i}`, r]);
  return Object.entries(template.resources);
}

/** Every resource of the template and of the templates nested in its module deployments, depth first. */
export function allResources(template: ArmTemplate, modulePath: string[] = []): LocatedResource[] {
  const found: LocatedResource[] = [];
  for (const [symbol, resource] of resourcesOf(template)) {
    found.push({ symbol, resource, modulePath, template });
    const nested = resource.type === 'Microsoft.Resources/deployments' ? resource.properties?.template : undefined;
    if (nested) found.push(...allResources(nested as ArmTemplate, [...modulePath, symbol]));
  }
  return found;
}

/** Every template in the tree (root first), with its module path. */
export function allTemplates(
  template: ArmTemplate,
  modulePath: string[] = [],
): Array<{ template: ArmTemplate; modulePath: string[] }> {
  const found = [{ template, modulePath }];
  for (const [symbol, resource] of resourcesOf(template)) {
    const nested = resource.type === 'Microsoft.Resources/deployments' ? resource.properties?.template : undefined;
    if (nested) found.push(...allTemplates(nested as ArmTemplate, [...modulePath, symbol]));
  }
  return found;
}

/** The module deployment resource with this symbolic name in the root template. */
export function moduleOf(template: ArmTemplate, symbol: string): ArmResource {
  const resource = resourcesOf(template).find(([s]) => s === symbol)?.[1];
  if (resource?.type !== 'Microsoft.Resources/deployments') throw new Error(`no module ${symbol}`);
  return resource;
}

/** The template compiled into a module deployment. */
export function moduleTemplate(template: ArmTemplate, symbol: string): ArmTemplate {
  return moduleOf(template, symbol).properties.template as ArmTemplate;
}

/** The one resource of this type in the template (not its modules). */
export function onlyResource(template: ArmTemplate, type: string): [string, ArmResource] {
  const matches = resourcesOf(template).filter(([, r]) => r.type.toLowerCase() === type.toLowerCase() && !r.existing);
  if (matches.length !== 1) throw new Error(`expected one ${type}, found ${matches.length}`);
  return matches[0] as [string, ArmResource];
}

export interface BicepCli {
  /** Path of the Bicep executable, or null when it could not be obtained. */
  path: string | null;
  /** Why it could not be obtained. */
  reason: string;
}

/**
 * Obtains the Bicep CLI through .ci/ensure-bicep.sh (PATH, then .tools/, else NuGet restore).
 * Resolves to `path: null` with the reason instead of throwing, so callers decide whether to skip.
 */
export async function obtainBicep(): Promise<BicepCli> {
  const script = path.join(repoRoot, '.ci/ensure-bicep.sh');
  if (!existsSync(script)) return { path: null, reason: `${script} is missing` };
  try {
    const { stdout } = await run('bash', [script], { cwd: repoRoot, timeout: 300_000 });
    const lines = stdout.trim().split('\n');
    const bicepPath = lines[lines.length - 1]?.trim() ?? '';
    if (!bicepPath) return { path: null, reason: 'ensure-bicep.sh printed no path' };
    return { path: bicepPath, reason: '' };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { path: null, reason: `ensure-bicep.sh failed: ${detail.split('\n').slice(0, 6).join(' | ')}` };
  }
}

/** Result of one Bicep CLI invocation. */
export interface BicepRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the Bicep CLI and returns its exit code and output (never throws on a non-zero exit). */
export async function runBicep(bicepPath: string, args: string[], cwd = repoRoot): Promise<BicepRun> {
  try {
    const { stdout, stderr } = await run(bicepPath, args, { cwd, timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Compiles a Bicep file to its ARM template (throws with the diagnostics when the build fails). */
export async function buildTemplate(bicepPath: string, file: string): Promise<ArmTemplate> {
  const result = await runBicep(bicepPath, ['build', file, '--stdout']);
  if (result.code !== 0) throw new Error(`bicep build ${file} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as ArmTemplate;
}

/**
 * The Bicep CLI for a test file: obtained once per file. On CI a missing CLI is an error (the pretest step must
 * provide it); elsewhere the suite is skipped with a visible warning.
 */
export async function bicepForTests(): Promise<string | null> {
  const cli = await obtainBicep();
  if (cli.path) return cli.path;
  if (process.env.CI && process.env.CI !== 'false') {
    throw new Error(`Bicep CLI unavailable on CI: ${cli.reason}`);
  }
  process.stderr.write(
    `\n*** SKIPPING infra tests: the Bicep CLI could not be obtained (${cli.reason}).\n` +
      '*** Run .ci/ensure-bicep.sh (needs the .NET SDK and NuGet) or put `bicep` on PATH.\n\n',
  );
  return null;
}
