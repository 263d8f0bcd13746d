import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { FORECAST_DEFAULTS, type ForecastOptions } from '../../forecast/types.js';
import { CliError } from '../errors.js';
import { collect } from '../output.js';

interface WatchFlags {
  fromFile?: string;
  json?: boolean;
  horizonMinutes: number;
  thresholdPercent: number;
  once?: boolean;
  intervalSeconds: number;
  lookbackMinutes: number;
  subscription: string[];
  cluster: string[];
}

const numberFlag =
  (flag: string, min: number, max: number) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new CliError(`${flag} must be a number from ${min} to ${max}, got "${value}"`);
    }
    return n;
  };

/** `watch --from-file`: one metrics response in, forecasts out. */
async function watchFile(path: string, flags: WatchFlags, options: ForecastOptions): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(
      `--from-file: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CliError(`--from-file: ${path} is not an Azure Monitor metrics response (not JSON)`);
  }
  const [{ parseMetricsResponse }, { NotMetricsResponseError }, { forecastResources }, out] = await Promise.all([
    import('../../forecast/metricsResponse.js'),
    import('../../forecast/errors.js'),
    import('../../forecast/forecastFleet.js'),
    import('../watchOutput.js'),
  ]);
  let forecasts: ReturnType<typeof forecastResources>;
  try {
    forecasts = forecastResources(parseMetricsResponse(body), options);
  } catch (err) {
    if (err instanceof NotMetricsResponseError) throw new CliError(`--from-file: ${path}: ${err.message}`);
    throw err;
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ nodes: forecasts.map(out.nodeJson) })}\n`);
  } else if (forecasts.length === 0) {
    process.stdout.write("No per-node SNAT series in the file (query with $filter=BackendIPAddress eq '*').\n");
  } else {
    process.stdout.write(out.renderWatchTable(forecasts));
  }
}

/** `snat-responder watch`: SNAT usage per node with a trend, minutes to exhaustion and a decision. */
export function registerWatchCommand(program: Command): void {
  program
    .command('watch')
    .description('forecast SNAT port exhaustion per node, from a metrics file or live from Azure Monitor')
    .option('--from-file <metrics.json>', 'an Azure Monitor metrics REST response (single-resource or batch)')
    .option('--json', 'print one JSON object on one line (last line on stdout)')
    .option(
      '--horizon-minutes <n>',
      `investigate when exhaustion is projected within n minutes (default ${FORECAST_DEFAULTS.horizonMinutes})`,
      numberFlag('--horizon-minutes', 1, 1440),
      FORECAST_DEFAULTS.horizonMinutes,
    )
    .option(
      '--threshold-percent <p>',
      `investigate at or above p% of the allocated ports (default ${FORECAST_DEFAULTS.thresholdPercent})`,
      numberFlag('--threshold-percent', 1, 100),
      FORECAST_DEFAULTS.thresholdPercent,
    )
    .option('--once', 'live: one scan, then exit')
    .option(
      '--interval-seconds <n>',
      'live: seconds between refreshes (default 60)',
      numberFlag('--interval-seconds', 10, 3600),
      60,
    )
    .option(
      '--lookback-minutes <n>',
      'live: minutes of metrics per scan (default 30)',
      numberFlag('--lookback-minutes', 10, 240),
      30,
    )
    .option(
      '--subscription <id>',
      'live: subscription to scan; repeatable (default: every subscription the identity can read)',
      collect,
      [],
    )
    .option('--cluster <resourceId>', 'live: only these AKS clusters (resource ids); repeatable', collect, [])
    .action(async (flags: WatchFlags) => {
      const options: ForecastOptions = {
        horizonMinutes: flags.horizonMinutes,
        thresholdPercent: flags.thresholdPercent,
      };
      if (flags.fromFile !== undefined) return watchFile(flags.fromFile, flags, options);
      const { watchLive } = await import('./watchLive.js');
      return watchLive(flags, options);
    });
}
