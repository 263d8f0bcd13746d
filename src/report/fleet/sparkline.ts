/**
 * Per-node usage sparklines for the fleet view: a 120x28 inline SVG polyline on a fixed 0-100 % scale (so nodes
 * compare at a glance) with the threshold as a dashed rule, the report's colours, and a `<title>`/`<desc>` text
 * alternative like the report's charts. Drawn directly rather than through Vega: Vega costs ~50-70 ms per chart
 * here, which for a 1,000-node fleet would be a minute per scan, for a chart with no axes or text at all. The
 * per-cluster trend chart, which has axes and a legend, does go through Vega-Lite (see renderFleetHtml.ts).
 */
import { escapeMarkup as e } from '../escapeMarkup.js';

/** One node's usage series and how to label and scale it. */
export interface SparklineInput {
  /** Unique in the page: the SVG's id and its `<title>`/`<desc>` id prefix (other than `[A-Za-z0-9_-]` becomes `-`). */
  id: string;
  /** Accessible name, e.g. `SNAT usage of 10.224.0.7`. */
  title: string;
  /** Usage % per minute; null = no data that minute. */
  values: ReadonlyArray<number | null>;
  /** Values are percent of the allocation (true) or raw ports (false: allocation unknown). */
  percent: boolean;
  /** Where the dashed threshold rule is drawn, in percent (only on a percent scale). */
  thresholdPercent: number;
}

/** Sparkline size in px: small enough for a table cell, wide enough for an hour of minutes. */
export const SPARKLINE_SIZE = { width: 120, height: 28 } as const;

/** The sparkline's text alternative: first, last and peak value. */
export function describeSparkline(values: ReadonlyArray<number | null>, percent: boolean): string {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (known.length === 0) return 'No data in the last scan.';
  const unit = percent ? '%' : ' ports';
  return `From ${known[0]}${unit} to ${known.at(-1)}${unit} over ${values.length} minutes (peak ${Math.max(...known)}${unit}).`;
}

const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();

/**
 * Renders one sparkline. Missing minutes break the line into segments instead of drawing through them.
 *
 * @example renderSparklineSvg({ id: 'spark-1', title: 'SNAT usage of 10.224.0.7', values: [50, 60, 70], percent: true, thresholdPercent: 90 })
 */
export function renderSparklineSvg(input: SparklineInput): string {
  const { width, height } = SPARKLINE_SIZE;
  const pad = 2;
  const known = input.values.filter((v): v is number => v !== null && Number.isFinite(v));
  const max = input.percent ? Math.max(100, ...known) : Math.max(1, ...known);
  const n = input.values.length;
  const x = (i: number): number => pad + (n <= 1 ? (width - 2 * pad) / 2 : (i / (n - 1)) * (width - 2 * pad));
  const y = (v: number): number => height - pad - (Math.max(0, v) / max) * (height - 2 * pad);
  const segments: string[][] = [];
  let current: string[] = [];
  input.values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      if (current.length > 0) segments.push(current);
      current = [];
      return;
    }
    current.push(`${r1(x(i))},${r1(y(v))}`);
  });
  if (current.length > 0) segments.push(current);
  const lines = segments
    .map((pts) =>
      pts.length === 1
        ? `<circle cx="${pts[0]?.split(',')[0]}" cy="${pts[0]?.split(',')[1]}" r="1.5" fill="#1d4ed8"/>`
        : `<polyline points="${pts.join(' ')}" fill="none" stroke="#1d4ed8" stroke-width="2" stroke-linejoin="round"/>`,
    )
    .join('');
  const rule = input.percent
    ? `<line x1="${pad}" x2="${width - pad}" y1="${r1(y(input.thresholdPercent))}" y2="${r1(y(input.thresholdPercent))}" stroke="#991b1b" stroke-width="1" stroke-dasharray="3 3"/>`
    : '';
  const id = input.id.replace(/[^A-Za-z0-9_-]/g, '-');
  return (
    `<svg class="spark" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `id="${id}" role="img" aria-labelledby="${id}-title ${id}-desc" focusable="false">` +
    `<title id="${id}-title">${e(input.title)}</title><desc id="${id}-desc">${e(describeSparkline(input.values, input.percent))}</desc>` +
    `${rule}${lines}</svg>`
  );
}
