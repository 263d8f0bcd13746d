/**
 * Where the Function App's logs go. With `APPLICATIONINSIGHTS_CONNECTION_STRING` set (Azure), the worker exports
 * its own logs to Application Insights through OpenTelemetry (host.json `telemetryMode: OpenTelemetry`), every
 * field a custom dimension; the host is told so (`WorkerOpenTelemetryEnabled`) and stops forwarding the worker's
 * console lines, and a log hook forwards the plain `context.log` lines of libraries. Unset (tests, local runs),
 * nothing loads and {@link functionLogger} writes the one JSON line through the invocation context.
 *
 * This does what `@azure/functions-opentelemetry-instrumentation` does, without its module patching: that patch
 * hooks `require`, which an ESM app importing `@azure/functions` never goes through.
 */
import type { InvocationContext } from '@azure/functions';
import functions from '@azure/functions';
import { SettingsError } from '../src/config/errors.js';
import { loadSlice } from '../src/config/settings.js';
import { createLogger, type LogFields, type Logger, type LogSink, structuredLogger } from '../src/logging/logger.js';
import type { AppInsightsLogs, HostLogLevel } from '../src/telemetry/appInsightsLogs.js';

let exporter: AppInsightsLogs | null = null;

/**
 * Starts the export when the telemetry settings ask for it. Returns the exporter, or null when telemetry is off
 * (unset) or its settings are invalid (then one warning line says which, through `sink`).
 */
export async function startTelemetry(
  env: Record<string, string | undefined>,
  sink: LogSink = console,
): Promise<AppInsightsLogs | null> {
  let settings: ReturnType<typeof loadSlice<'telemetry'>>;
  try {
    settings = loadSlice('telemetry', env);
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    structuredLogger(sink, { component: 'telemetry' }).warn('Application Insights export is off', {
      issues: err.issues,
    });
    return null;
  }
  if (!settings.appInsightsConnectionString) return null;
  const [{ AppInsightsLogs }, credential] = await Promise.all([
    import('../src/telemetry/appInsightsLogs.js'),
    settings.appInsightsAuthentication
      ? import('@azure/identity').then(({ ManagedIdentityCredential }) => {
          const clientId = settings.appInsightsAuthentication?.clientId;
          return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
        })
      : Promise.resolve(undefined),
  ]);
  return new AppInsightsLogs({
    connectionString: settings.appInsightsConnectionString,
    ...(credential ? { credential } : {}),
  });
}

/**
 * The logger of one invocation, carrying `keys` (instance id, cluster, node, ...): Application Insights custom
 * dimensions when the export is on, else one JSON line through the invocation context.
 *
 * @example functionLogger(context, { instanceId }).warn('could not delete capture Job', { cluster, jobName });
 */
export function functionLogger(context: InvocationContext | LogSink, keys: LogFields = {}): Logger {
  if (!exporter) return structuredLogger(context, keys);
  const traceParent = 'traceContext' in context ? context.traceContext?.traceParent : undefined;
  return createLogger(exporter.writer(traceParent ?? undefined), keys);
}

/** Installs the exporter for this process (null turns the export off). */
export function useTelemetry(value: AppInsightsLogs | null): void {
  exporter = value;
}

/** Sends what the exporter has buffered (nothing to do when the export is off). */
export async function flushTelemetry(): Promise<void> {
  await exporter?.flush();
}

const started = await startTelemetry(process.env);
if (started) {
  useTelemetry(started);
  functions.app.setup({ capabilities: { WorkerOpenTelemetryEnabled: true } });
  functions.app.hook.log((hook) => {
    if (hook.category === 'system') return;
    started.forwardHostLog(hook.level as HostLogLevel, hook.message, hook.invocationContext?.traceContext?.traceParent);
  });
  functions.app.hook.appTerminate(() => started.shutdown());
}
