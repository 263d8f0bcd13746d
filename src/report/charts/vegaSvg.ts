/**
 * Vega-Lite to inline SVG on the server: no canvas, no browser, no external fonts. The SVG gets a `<title>` and
 * `<desc>` and `role="img"` so screen readers announce the chart by its text alternative.
 */
import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { compile } from 'vega-lite';
import { escapeMarkup } from '../escapeMarkup.js';

/** System font stack: nothing is downloaded, every platform has one of these. */
export const CHART_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** Chart text alternative and id (ids must be unique within one HTML document). */
export interface ChartLabel {
  id: string;
  title: string;
  description: string;
}

/** Shared look: readable text colours (contrast >= 4.5:1 on white), system fonts, no chart border. */
export const CHART_CONFIG = {
  font: CHART_FONT,
  background: '#ffffff',
  padding: 8,
  view: { stroke: null },
  axis: {
    labelColor: '#1f2937',
    titleColor: '#1f2937',
    labelFontSize: 12,
    titleFontSize: 12,
    titleFontWeight: 600,
    gridColor: '#e5e7eb',
    domainColor: '#6b7280',
    tickColor: '#6b7280',
  },
  legend: { labelColor: '#1f2937', titleColor: '#1f2937', labelFontSize: 12, titleFontSize: 12, orient: 'top' },
  title: { color: '#111827', fontSize: 14, fontWeight: 600, anchor: 'start' },
} as const;

/**
 * Approximate advance widths (em) by character class, sized for the widest common fallback font (DejaVu Sans,
 * what `system-ui` resolves to on many Linux machines) so labels are never clipped; narrower fonts leave a gap.
 */
function charEm(c: string): number {
  if ("iljI.,:;!|'`".includes(c)) return 0.32;
  if ('ftr/ ()[]'.includes(c)) return 0.42;
  if (c === '-') return 0.38;
  if ('mwMW@%'.includes(c)) return 1.0;
  if (c >= 'A' && c <= 'Z') return 0.74;
  if (c === '\u2026') return 1;
  return 0.64;
}

interface TextMetrics {
  width: (item: { fontSize?: number; limit?: number }, text: unknown) => number;
}

/**
 * Without canvas, Vega estimates every character at 0.8 em, which truncates labels far too early and reserves
 * empty space for them. Vega supports a user-defined `textMetrics.width` (vl-convert does the same): install a
 * per-character estimate once. Widths are slightly generous so labels never overlap the plot.
 */
function installTextEstimate(): void {
  // Exported at runtime (vega re-exports vega-scenegraph) but missing from vega's typings.
  const metrics = (vega as unknown as { textMetrics: TextMetrics }).textMetrics;
  metrics.width = (item, text) => {
    const size = item.fontSize != null ? +item.fontSize || 0 : 11;
    const str = text == null ? '' : String(text).trim();
    let em = 0;
    for (const c of str) em += charEm(c);
    const width = em * size;
    // Vega truncates text longer than `limit` with an ellipsis: the drawn text is then at most `limit` wide.
    return item.limit && item.limit > 0 ? Math.min(width, item.limit) : width;
  };
}
installTextEstimate();

/** Keeps ids usable in `id`/`aria-labelledby` whatever the caller passes. */
function safeId(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '-');
}

/**
 * Compiles a Vega-Lite spec and renders it to an SVG string with a title/desc text alternative.
 *
 * @example await renderVegaLiteSvg({ mark: 'bar', data: { values }, encoding }, { id: 'c1', title: 'T', description: 'D' })
 */
export async function renderVegaLiteSvg(spec: TopLevelSpec, label: ChartLabel): Promise<string> {
  const compiled = compile({ ...spec, config: { ...CHART_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const id = safeId(label.id);
    const a11y =
      `<title id="${id}-title">${escapeMarkup(label.title)}</title>` +
      `<desc id="${id}-desc">${escapeMarkup(label.description)}</desc>`;
    // Insert the text alternative right after the opening tag, and expose the chart as one image.
    return svg.replace(
      /^<svg\b([^>]*)>/,
      (_m, attrs: string) =>
        `<svg${attrs} id="${id}" role="img" aria-labelledby="${id}-title ${id}-desc" focusable="false">${a11y}`,
    );
  } finally {
    view.finalize();
  }
}
