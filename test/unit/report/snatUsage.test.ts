import { describe, expect, it } from 'vitest';
import { snatUsage } from '../../../src/report/snatUsage.js';

const point = (usedPorts: number | null, allocatedPorts: number | null, failedConnections: number | null) => ({
  timestamp: '2026-11-26T10:00:00Z',
  usedPorts,
  allocatedPorts,
  failedConnections,
});

describe('snatUsage', () => {
  it('takes peaks and sums failures, ignoring minutes without data', () => {
    expect(
      snatUsage([point(100, 1024, 0), point(null, null, null), point(994, 1024, 40), point(700, 1024, 8)]),
    ).toEqual({
      peakUsed: 994,
      allocated: 1024,
      failedTotal: 48,
      failedPeakPerMinute: 40,
    });
  });

  it('says null, not zero, when a measure has no data at all', () => {
    expect(snatUsage([point(null, 1024, null)])).toEqual({
      peakUsed: null,
      allocated: 1024,
      failedTotal: null,
      failedPeakPerMinute: null,
    });
    expect(snatUsage([])).toEqual({ peakUsed: null, allocated: null, failedTotal: null, failedPeakPerMinute: null });
  });
});
