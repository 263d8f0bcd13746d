/**
 * The core-purity rule of docs/architecture.md, as data: the core folders, and what nothing they import (directly
 * or through any file they reach) may be.
 */

import { relative, sep } from 'node:path';
import { type ImportEdge, type ImportRule, isBuiltin, moduleName } from './importGraph.js';

/** The pure core: the engine, the report, the alert decision, the forecast, and the evidence parsers. */
export const CORE_ROOTS = ['src/analysis', 'src/report', 'src/alert', 'src/forecast', 'src/evidence/parsers'] as const;

/** Node built-ins that do I/O, threads or processes. */
export const FORBIDDEN_BUILTINS = [
  'fs',
  'os',
  'worker_threads',
  'child_process',
  'net',
  'http',
  'https',
  'http2',
  'tls',
  'dgram',
  'dns',
  'cluster',
] as const;

/** Package names (or scopes, ending in `/`) of SDKs, the Kubernetes client, the Durable runtime and the sockets. */
export const FORBIDDEN_PACKAGES = ['@azure/', '@kubernetes/', 'durable-functions', 'ws'] as const;

/** Adapter folders, the simulated world, configuration (the environment) and the outer bands. */
export const FORBIDDEN_FOLDERS = [
  'src/kube/',
  'src/azure/',
  'src/teams/',
  'src/sim/',
  'src/config/',
  'src/cli/',
  'src/investigation/',
  'src/intake/',
  'src/proactive/',
  'functions/',
] as const;

/**
 * Configuration validates settings with pure rules only: it may read the environment it is given, but nothing it
 * imports does I/O or loads an SDK (so loading settings never opens a socket or a file).
 */
export const CONFIG_ROOTS = ['src/config'] as const;

/** Forbids I/O built-ins and SDK/network packages (the configuration rule, and the first half of the core rule). */
export const ioRule: ImportRule = (edge: ImportEdge) => {
  if (edge.module === null) return null;
  const name = moduleName(edge.specifier);
  if (isBuiltin(edge.specifier)) {
    return (FORBIDDEN_BUILTINS as readonly string[]).includes(name) ? `Node built-in "${name}" (I/O)` : null;
  }
  const hit = FORBIDDEN_PACKAGES.find((p) => (p.endsWith('/') ? name.startsWith(p) : name === p));
  return hit ? `package "${name}" (SDK or network)` : null;
};

/** The core rule for a repository rooted at `repoRoot`: {@link ioRule} plus the forbidden folders. */
export function coreRule(repoRoot: string): ImportRule {
  return (edge: ImportEdge) => {
    if (edge.module !== null) return ioRule(edge);
    if (edge.file === null) return null;
    const target = relative(repoRoot, edge.file).split(sep).join('/');
    const folder = FORBIDDEN_FOLDERS.find((f) => target.startsWith(f));
    return folder ? `${folder} (adapter, simulated world, configuration or outer band)` : null;
  };
}
