/**
 * The chart kinds the report uses, as inline SVG strings. Inputs are plain data so the functions stay reusable.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ChartLabel } from './vegaSvg.js';
import { renderVegaLiteSvg } from './vegaSvg.js';

/** One bar of a horizontal bar chart. */
export interface BarDatum {
  /** Category label shown left of the bar (a pod or destination name). */
  label: string;
  /** Bar length, in the unit of the chart's `valueTitle`. */
  value: number;
}

/** A horizontal bar chart: its bars, value axis title and size. */
export interface BarChartInput extends ChartLabel {
  /** Bars, drawn in the given order (largest first is what readers expect). */
  data: BarDatum[];
  /** Axis title of the values, e.g. `ESTABLISHED to public IPs`. */
  valueTitle: string;
  /** Bar colour; must keep 3:1 contrast on white. */
  color?: string;
  /** Plot width in px (labels come on top of it). */
  width?: number;
}

/** One line of a time chart. */
export interface TimeSeries {
  /** Legend name, e.g. `Used SNAT ports`. */
  name: string;
  /** ISO-8601 UTC timestamps; a null value is a gap (no metric for that minute), not a zero. */
  points: Array<{ timestamp: string; value: number | null }>;
  /** Line colour; must keep 3:1 contrast on white. */
  color: string;
  /** Draw dashed: used for limits (the allocation) so they read differently from measurements without colour. */
  dashed?: boolean;
}

/** A line chart over UTC time: its lines, value axis title and size. */
export interface TimeSeriesInput extends ChartLabel {
  /** Lines, drawn and listed in the legend in this order. */
  series: TimeSeries[];
  /** Axis title of the values, e.g. `SNAT ports`. */
  valueTitle: string;
  /** Plot width in px (default 480). */
  width?: number;
}

/** Label column width; long pod names are cut with an ellipsis in the chart (full names are in the tables). */
const LABEL_LIMIT = 300;

/**
 * Horizontal bar chart with the value printed at the end of each bar.
 *
 * @example await renderBarChartSvg({ id: 'pods', title: 'Top pods', description: '...', data, valueTitle: 'connects' })
 */
export async function renderBarChartSvg(input: BarChartInput): Promise<string> {
  // Index keeps duplicate labels apart and preserves the caller's order.
  const values = input.data.map((d, i) => ({ key: `${i}`, label: d.label, value: d.value }));
  const color = input.color ?? '#1d4ed8';
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: input.width ?? 320,
    height: { step: 24 },
    data: { values },
    encoding: {
      y: {
        field: 'key',
        type: 'nominal',
        sort: null,
        title: null,
        axis: { labelExpr: 'datum.value === null ? "" : labelFor[datum.value]', labelLimit: LABEL_LIMIT, ticks: false },
      },
      x: { field: 'value', type: 'quantitative', title: input.valueTitle, axis: { tickMinStep: 1, format: ',d' } },
    },
    layer: [
      { mark: { type: 'bar', color, cornerRadiusEnd: 2 } },
      {
        mark: { type: 'text', align: 'left', dx: 4, color: '#111827', fontSize: 12 },
        encoding: { text: { field: 'value', type: 'quantitative', format: ',' } },
      },
    ],
    params: [{ name: 'labelFor', value: Object.fromEntries(values.map((v) => [v.key, v.label])) }],
  } as TopLevelSpec;
  return renderVegaLiteSvg(spec, input);
}

/**
 * Line chart over UTC time, one line per series; dashed series for limits such as the allocation.
 *
 * @example await renderTimeSeriesSvg({ id: 'snat', title: 'SNAT ports', description: '...', series, valueTitle: 'ports' })
 */
export async function renderTimeSeriesSvg(input: TimeSeriesInput): Promise<string> {
  const values = input.series.flatMap((s) =>
    s.points.filter((p) => p.value !== null).map((p) => ({ t: p.timestamp, value: p.value, series: s.name })),
  );
  const names = input.series.map((s) => s.name);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: input.width ?? 480,
    height: 220,
    data: { values },
    mark: { type: 'line', strokeWidth: 2.5 },
    encoding: {
      x: {
        field: 't',
        type: 'temporal',
        scale: { type: 'utc' },
        title: 'Time (UTC)',
        // `formatType: 'utc'` counts as a custom format type in Vega-Lite 6; an expression is portable.
        axis: { labelExpr: "utcFormat(datum.value, '%H:%M')", labelOverlap: true, tickCount: 6 },
      },
      y: { field: 'value', type: 'quantitative', title: input.valueTitle, axis: { format: ',d' } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: names, range: input.series.map((s) => s.color) },
      },
      strokeDash: {
        field: 'series',
        type: 'nominal',
        // Same field as colour: Vega-Lite merges both into one legend that shows the dash too.
        scale: { domain: names, range: input.series.map((s) => (s.dashed ? [6, 4] : [1, 0])) },
      },
    },
  } as TopLevelSpec;
  return renderVegaLiteSvg(spec, input);
}
