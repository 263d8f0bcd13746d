/**
 * Application Insights as a log writer: each entry becomes an OpenTelemetry log record exported by the Azure
 * Monitor exporter, which lands in the `traces` table with the entry's fields as **custom dimensions**
 * (`customDimensions.instanceId`, `.cluster`, `.node`, `.event`, ...). This is the path Microsoft documents for the
 * Functions Node.js v4 model ("Use OpenTelemetry with Azure Functions": `telemetryMode: OpenTelemetry` in
 * host.json, the worker exports its own logs with `@azure/monitor-opentelemetry-exporter`).
 *
 * Records carry the invocation's W3C trace context when given, so `operation_Id` ties them to the function
 * execution and to the Durable distributed trace.
 */
import type { TokenCredential } from '@azure/core-auth';
import { AzureMonitorLogExporter } from '@azure/monitor-opentelemetry-exporter';
import { type Context, defaultTextMapGetter, ROOT_CONTEXT } from '@opentelemetry/api';
import { type AnyValue, SeverityNumber } from '@opentelemetry/api-logs';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import type { LogEntry, LogFields, LogLevel, LogWriter } from '../logging/logger.js';

/** How to reach Application Insights. */
export interface AppInsightsLogsOptions {
  /** `InstrumentationKey=...;IngestionEndpoint=...` (never logged). */
  connectionString: string;
  /** Entra ID credential when the resource refuses local auth (`disableLocalAuth`); absent: the key alone. */
  credential?: TokenCredential;
  /** `service.name` of the records (the cloud role name in Application Insights). */
  serviceName?: string;
}

/** Severity of a Functions host log level (`context.log` = information). */
export type HostLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';

const SEVERITY: Record<LogLevel, SeverityNumber> = {
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
};

const HOST_SEVERITY: Record<HostLogLevel, LogLevel> = {
  trace: 'info',
  debug: 'info',
  information: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
  none: 'info',
};

/** A scalar stays itself (a queryable dimension); anything else becomes its JSON text. */
function dimension(value: unknown): AnyValue {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value === undefined) return undefined;
  return JSON.stringify(value) ?? String(value);
}

/**
 * The custom dimensions of an entry: `event` (the message: what the alert rules match), `level`, then every field.
 *
 * @example toDimensions({ level: 'warn', message: 'could not delete capture Job', fields: { cluster: 'c1' } })
 * // { event: 'could not delete capture Job', level: 'warn', cluster: 'c1' }
 */
export function toDimensions(entry: LogEntry): Record<string, AnyValue> {
  const out: Record<string, AnyValue> = { event: entry.message, level: entry.level };
  for (const [key, value] of Object.entries(entry.fields as LogFields)) {
    const v = dimension(value);
    if (v !== undefined && key !== 'event' && key !== 'level') out[key] = v;
  }
  return out;
}

/**
 * Exports log entries to Application Insights. Build one per process.
 *
 * @example const logs = new AppInsightsLogs({ connectionString, credential }); logs.writer(traceParent)(entry);
 */
export class AppInsightsLogs {
  readonly #provider: LoggerProvider;
  readonly #logger: ReturnType<LoggerProvider['getLogger']>;
  readonly #propagator = new W3CTraceContextPropagator();

  constructor(options: AppInsightsLogsOptions) {
    const exporter = new AzureMonitorLogExporter({
      connectionString: options.connectionString,
      ...(options.credential ? { credential: options.credential } : {}),
      // A Flex Consumption instance has no durable local disk worth replaying from.
      disableOfflineStorage: true,
    });
    this.#provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'snat-responder' }),
      processors: [new BatchLogRecordProcessor({ exporter })],
    });
    this.#logger = this.#provider.getLogger('snat-responder');
  }

  /**
   * A writer for one invocation: every entry becomes a trace with its fields as custom dimensions, correlated
   * with `traceParent` (the invocation's `traceContext.traceParent`) when given.
   */
  writer(traceParent?: string): LogWriter {
    const context = this.#context(traceParent);
    return (entry) =>
      this.#logger.emit({
        body: entry.message,
        severityNumber: SEVERITY[entry.level],
        severityText: entry.level,
        attributes: toDimensions(entry),
        context,
      });
  }

  /** Forwards a plain `context.log` line (the host no longer does once the worker exports its own logs). */
  forwardHostLog(level: HostLogLevel, message: string, traceParent?: string): void {
    const mapped = HOST_SEVERITY[level] ?? 'info';
    this.#logger.emit({
      body: message,
      severityNumber: SEVERITY[mapped],
      severityText: mapped,
      context: this.#context(traceParent),
    });
  }

  /** Sends what is buffered. */
  flush(): Promise<void> {
    return this.#provider.forceFlush();
  }

  /** Sends what is buffered and stops. */
  shutdown(): Promise<void> {
    return this.#provider.shutdown();
  }

  #context(traceParent: string | undefined): Context {
    if (!traceParent) return ROOT_CONTEXT;
    return this.#propagator.extract(ROOT_CONTEXT, { traceparent: traceParent }, defaultTextMapGetter);
  }
}
