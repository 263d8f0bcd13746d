/** Management URLs and SAS links carry keys as `code=`, `sig=` or `key=`; never let one reach a log line or answer. */
export function redactSecrets(text: string): string {
  return text.replace(/([?&](?:code|sig|key)=)[^&\s"']+/gi, '$1***');
}

/** One-line, redacted, bounded text of an error (and its cause), for logs. */
export function errorText(error: unknown): string {
  const one = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  const cause = error instanceof Error && error.cause !== undefined ? ` (cause: ${one(error.cause)})` : '';
  return redactSecrets(`${one(error)}${cause}`)
    .replace(/\s+/g, ' ')
    .slice(0, 500);
}
