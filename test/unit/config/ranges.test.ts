import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inRange, SETTING_RANGES } from '../../../src/config/ranges.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

/** The `@minValue`/`@maxValue` decorators right above `param <name>` in a Bicep file. */
function bicepRange(text: string, param: string): { min: number; max: number } {
  const block = new RegExp(`((?:@[^\\n]*\\n)+)param ${param} int`).exec(text)?.[1];
  if (!block) throw new Error(`param ${param} not found`);
  const min = /@minValue\((\d+)\)/.exec(block)?.[1];
  const max = /@maxValue\((\d+)\)/.exec(block)?.[1];
  return { min: Number(min), max: Number(max) };
}

describe('SETTING_RANGES', () => {
  it('is the range the capture script enforces for TRACE_SECONDS', () => {
    const m = /^uint TRACE_SECONDS "\$TRACE_SECONDS" (\d+) (\d+)$/m.exec(read('src/kube/capture-script/capture.sh'));
    expect(m).not.toBeNull();
    expect({ min: Number(m?.[1]), max: Number(m?.[2]) }).toEqual(SETTING_RANGES.TRACE_SECONDS);
  });

  it.each([
    ['traceSeconds', 'TRACE_SECONDS'],
    ['cooldownMinutes', 'COOLDOWN_MINUTES'],
    ['maxConcurrentCaptures', 'MAX_CONCURRENT_CAPTURES'],
    ['reportLinkExpiryHours', 'REPORT_LINK_EXPIRY_HOURS'],
    ['proactiveScanMinutes', 'PROACTIVE_SCAN_MINUTES'],
  ] as const)('is the range of the Bicep parameter %s', (param, setting) => {
    expect(bicepRange(read('infra/main.bicep'), param)).toEqual(SETTING_RANGES[setting]);
  });

  it('is the range the simulated capture reports', () => {
    const { min, max } = SETTING_RANGES.TRACE_SECONDS;
    expect(read('src/sim/kube/podLog.ts')).toContain(`TRACE_SECONDS must be between ${min} and ${max}`);
  });

  it('inRange accepts whole numbers inside the bounds only', () => {
    expect(inRange('TRACE_SECONDS', 5)).toBe(true);
    expect(inRange('TRACE_SECONDS', 600)).toBe(true);
    expect(inRange('TRACE_SECONDS', 4)).toBe(false);
    expect(inRange('TRACE_SECONDS', 601)).toBe(false);
    expect(inRange('TRACE_SECONDS', 60.5)).toBe(false);
  });
});
