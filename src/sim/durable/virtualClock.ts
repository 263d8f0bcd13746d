/**
 * The clock the replay driver stamps history with. Durable timers advance it instantly to
 * their fire time, so a 60 s trace window costs no wall time while the orchestrator still
 * sees `context.df.currentUtcDateTime` move by 60 s.
 */
export interface VirtualClock {
  /** Current virtual time in epoch milliseconds. */
  now(): number;
  /** Moves the clock forward to `epochMs` (never backwards). */
  advanceTo(epochMs: number): void;
}

/** Options of {@link ManualClock}. */
export interface ManualClockOptions {
  /** Start time in epoch milliseconds (default: the wall clock at construction). */
  start?: number;
  /**
   * When true, wall time spent between calls is added on top of the skipped timer time, so
   * phase durations stay real (the demo); when false (default) the clock only moves when a
   * timer fires, which keeps tests deterministic.
   */
  followWallTime?: boolean;
}

/**
 * A virtual clock that only jumps forward when told to (plus, optionally, wall time).
 *
 * @example
 * const clock = new ManualClock({ start: Date.parse('2026-01-01T00:00:00Z') });
 * clock.advanceTo(clock.now() + 60_000); // a timer fired one minute later
 */
export class ManualClock implements VirtualClock {
  readonly #start: number;
  readonly #followWallTime: boolean;
  readonly #wallStart: number;
  #skipped = 0;

  constructor(options: ManualClockOptions = {}) {
    this.#wallStart = Date.now();
    this.#start = options.start ?? this.#wallStart;
    this.#followWallTime = options.followWallTime ?? false;
  }

  /** Milliseconds since the epoch on the virtual clock: its start, plus wall time when it follows it, plus time skipped. */
  now(): number {
    const wall = this.#followWallTime ? Date.now() - this.#wallStart : 0;
    return this.#start + wall + this.#skipped;
  }

  /** Skips ahead to `epochMs` (never back): what a durable timer does when nothing else is due. */
  advanceTo(epochMs: number): void {
    const delta = epochMs - this.now();
    if (delta > 0) this.#skipped += delta;
  }

  /** Total time skipped by timers so far, in milliseconds. */
  get skippedMs(): number {
    return this.#skipped;
  }
}
