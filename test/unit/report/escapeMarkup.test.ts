import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderBarChartSvg } from '../../../src/report/charts/charts.js';
import { escapeMarkup } from '../../../src/report/escapeMarkup.js';
import { renderSparklineSvg } from '../../../src/report/fleet/sparkline.js';

/** The inverse of the five entities, for the round-trip property (`&amp;` last, so `&amp;lt;` stays `&lt;`). */
function unescapeMarkup(s: string): string {
  return s
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}

describe('escapeMarkup', () => {
  it('escapes the five characters that end text or a quoted attribute, in HTML and SVG alike', () => {
    expect(escapeMarkup(`<a title="x" alt='y'>Tom & Jerry</a>`)).toBe(
      '&lt;a title=&quot;x&quot; alt=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;',
    );
    // Already-escaped text is text too: its ampersand is escaped again.
    expect(escapeMarkup('&lt;')).toBe('&amp;lt;');
  });

  it('writes nothing for null and undefined, and numbers as text', () => {
    expect(escapeMarkup(null)).toBe('');
    expect(escapeMarkup(undefined)).toBe('');
    expect(escapeMarkup(4100)).toBe('4100');
    expect(escapeMarkup(0)).toBe('0');
  });

  it('never lets a markup character through, and loses nothing (round trip)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const out = escapeMarkup(text);
        expect(out).not.toMatch(/[<>"']/);
        expect(out.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
        expect(unescapeMarkup(out)).toBe(text);
      }),
    );
  });

  it('is the escaper of the SVG charts (Vega titles) and of the sparklines', async () => {
    const hostile = `"><script>alert('x')</script>&`;
    const bar = await renderBarChartSvg({ id: 'c', title: hostile, description: hostile, valueTitle: 'n', data: [] });
    expect(bar).toContain(`<title id="c-title">${escapeMarkup(hostile)}</title>`);
    expect(bar).toContain(`<desc id="c-desc">${escapeMarkup(hostile)}</desc>`);
    const spark = renderSparklineSvg({
      id: 's',
      title: hostile,
      values: [1, 2, 3],
      percent: false,
      thresholdPercent: 80,
    });
    expect(spark).toContain(`<title id="s-title">${escapeMarkup(hostile)}</title>`);
    expect(spark).not.toContain('<script');
  });
});
