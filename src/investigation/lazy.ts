/**
 * Lazy initialisation that keeps a success and forgets a failure. A cached rejected promise would poison the
 * worker until it recycles (one transient Blob error at first use failing every later activity); here the next
 * call simply tries again. Concurrent callers share one attempt.
 *
 * @example
 * const store = lazy(() => BlobReportStore.fromConnectionString(conn, 'reports'));
 * await store(); // builds; a failure is thrown to every waiter and the next call rebuilds
 */
export function lazy<T>(init: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    if (pending) return pending;
    const attempt = init();
    pending = attempt;
    attempt.catch(() => {
      // Only forget this attempt: a newer one may already be under way.
      if (pending === attempt) pending = null;
    });
    return attempt;
  };
}
