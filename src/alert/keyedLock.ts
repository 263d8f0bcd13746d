/**
 * Runs async work one at a time per key inside this process (other keys run in parallel).
 * Used so that concurrent deliveries of one alert check-then-start a given instance id in turn.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** Number of keys with work queued or running (for tests and diagnostics). */
  get activeKeys(): number {
    return this.tails.size;
  }

  /** Runs `work` after every earlier `run` with the same key has settled; returns its result. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release: () => void = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    return previous.then(work).finally(() => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
  }
}
