/** Structured JSON logs with persistent correlation keys, so Application Insights can follow one investigation. */
export interface StructuredLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Anything with the InvocationContext's log methods. */
export interface LogSink {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/**
 * A logger that writes one JSON line per entry through the invocation context, always carrying `keys`
 * (instance id, cluster, node). Never pass secrets or whole payloads in `fields`.
 */
export function structuredLogger(sink: LogSink, keys: Record<string, unknown>): StructuredLogger {
  const line = (level: string, message: string, fields?: Record<string, unknown>) =>
    JSON.stringify({ level, message, ...keys, ...fields });
  return {
    info: (m, f) => sink.log(line('info', m, f)),
    warn: (m, f) => sink.warn(line('warn', m, f)),
    error: (m, f) => sink.error(line('error', m, f)),
  };
}

/** Correlation keys from a report prefix `<cluster>/<node>/<stamp>-<instanceId>/`. */
export function keysFromPrefix(prefix: string): Record<string, string> {
  const [cluster, node, folder] = prefix.split('/');
  const instanceId = folder?.replace(/^\d{8}T\d{6}Z-/, '');
  return { ...(cluster ? { cluster } : {}), ...(node ? { node } : {}), ...(instanceId ? { instanceId } : {}) };
}
