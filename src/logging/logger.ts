/**
 * The one logger interface of the product. Functions, the CLI, the Teams notifier and the Kubernetes adapter all
 * log through {@link Logger}; what happens to an entry is the writer's business: one JSON line through the
 * Functions invocation context or the console ({@link jsonLineWriter}), or an Application Insights trace whose
 * fields are real custom dimensions (`src/telemetry/appInsightsLogs.ts`).
 *
 * Pure: no I/O here beyond calling the writer it is given.
 */

/** Severity of an entry. */
export type LogLevel = 'info' | 'warn' | 'error';

/** Fields of an entry: correlation keys (`instanceId`, `cluster`, `node`) and event details. Never secrets. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Structured logs with persistent correlation keys, so Application Insights can follow one investigation. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** One entry as a writer receives it: the message names the event; `fields` holds the keys, then the details. */
export interface LogEntry {
  level: LogLevel;
  message: string;
  fields: LogFields;
}

/** Where entries go. */
export type LogWriter = (entry: LogEntry) => void;

/**
 * A logger that stamps every entry with `keys` (instance id, cluster, node) before handing it to `write`.
 * An entry's own fields win over the keys of the same name.
 *
 * @example createLogger(jsonLineWriter(console), { instanceId }).info('capture job created', { jobName });
 */
export function createLogger(write: LogWriter, keys: LogFields = {}): Logger {
  const entry = (level: LogLevel) => (message: string, fields?: LogFields) =>
    write({ level, message, fields: fields ? { ...keys, ...fields } : keys });
  return { info: entry('info'), warn: entry('warn'), error: entry('error') };
}

/** A logger that drops everything (the default where a caller passes none). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Anything with the Functions `InvocationContext`'s log methods (the console qualifies). */
export interface LogSink {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** The one JSON shape: `{"level","message", ...keys, ...fields}` on one line, at the sink's matching level. */
export function jsonLineWriter(sink: LogSink): LogWriter {
  return ({ level, message, fields }) => {
    const line = JSON.stringify({ level, message, ...fields });
    if (level === 'error') sink.error(line);
    else if (level === 'warn') sink.warn(line);
    else sink.log(line);
  };
}

/**
 * A logger that writes one JSON line per entry through `sink` (the invocation context or the console), always
 * carrying `keys`. Never pass secrets or whole payloads in `fields`.
 */
export function structuredLogger(sink: LogSink, keys: LogFields = {}): Logger {
  return createLogger(jsonLineWriter(sink), keys);
}

/** Correlation keys from a report prefix `<cluster>/<node>/<stamp>-<instanceId>/`. */
export function keysFromPrefix(prefix: string): Record<string, string> {
  const [cluster, node, folder] = prefix.split('/');
  const instanceId = folder?.replace(/^\d{8}T\d{6}Z-/, '');
  return { ...(cluster ? { cluster } : {}), ...(node ? { node } : {}), ...(instanceId ? { instanceId } : {}) };
}
