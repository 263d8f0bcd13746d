/**
 * The pure core of docs/architecture.md, checked on the real import graph: nothing the engine, the report, the
 * alert decision, the forecast or the evidence parsers import (directly or through any file they reach) does I/O,
 * loads an SDK, or belongs to an adapter, the simulated world, configuration or an outer band. Configuration itself
 * imports no I/O. The walker and the rules are tested on a fixture tree in importGraph.test.ts, so this can fail.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_ROOTS, CORE_ROOTS, coreRule, ioRule } from '../support/corePurity.js';
import { findViolations, type Violation } from '../support/importGraph.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** One line per violation: the chain, the import and why it is forbidden. */
function listing(violations: readonly Violation[]): string[] {
  return violations.map((v) => `${v.chain.join(' -> ')} imports ${v.specifier}: ${v.reason}`);
}

describe('the pure core', () => {
  it('imports no I/O built-in, SDK, adapter, simulated world, configuration or outer band, transitively', () => {
    const violations = findViolations(
      CORE_ROOTS.map((r) => resolve(ROOT, r)),
      coreRule(ROOT),
      ROOT,
    );
    expect(listing(violations)).toEqual([]);
  });

  it('configuration validates with pure rules: nothing it imports does I/O or loads an SDK', () => {
    expect(
      listing(
        findViolations(
          CONFIG_ROOTS.map((r) => resolve(ROOT, r)),
          ioRule,
          ROOT,
        ),
      ),
    ).toEqual([]);
  });
});
