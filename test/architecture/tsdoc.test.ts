/**
 * Every export of src/ carries a TSDoc comment (issue 17): the check runs the TypeScript compiler's parser over
 * src/**\/*.ts, the AssemblyScript kernel included, and lists each undocumented export as `file:line name`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findUndocumentedExports, formatMissing, listTypeScriptFiles } from '../support/tsdocCheck.js';

const root = join(import.meta.dirname, '..', '..');

describe('TSDoc on src/', () => {
  it('documents every exported declaration', () => {
    const files = listTypeScriptFiles(join(root, 'src'));
    expect(files.length).toBeGreaterThan(100);
    const missing = findUndocumentedExports(root, files);
    expect(formatMissing(missing), `${missing.length} exports of src/ lack a TSDoc comment`).toBe('');
  });
});
