/**
 * Reads of the wall clock for per-operation timings, amortised: `Date.now()`
 * costs about as much as scheduling one operation, and a run stamps each
 * operation twice. A read is reused while nothing can have taken time: within
 * one synchronous stretch of engine work (until the next microtask), for at
 * most {@link MAX_REUSE} reads, and never across user code (the engine calls
 * {@link CoarseClock.stale} after an operation's code returns and when a
 * timer fires). Stamps are therefore off by at most a few dozen operations'
 * worth of engine work, far below the millisecond resolution they have.
 * @internal
 */
export class CoarseClock {
  private value = 0;
  private reuses = 0;
  private valid = false;
  private expiryQueued = false;
  private readonly expire = (): void => {
    this.valid = false;
    this.expiryQueued = false;
  };

  /** Milliseconds since the epoch, as `Date.now()`. */
  now(): number {
    if (this.valid && ++this.reuses < MAX_REUSE) return this.value;
    this.value = Date.now();
    this.reuses = 0;
    this.valid = true;
    if (!this.expiryQueued) {
      this.expiryQueued = true;
      // A promise job, not queueMicrotask: fake timers replace the latter.
      void RESOLVED.then(this.expire);
    }
    return this.value;
  }

  /** Time may have passed (user code ran, a timer fired): the next read is fresh. */
  stale(): void {
    this.valid = false;
  }
}

const RESOLVED = Promise.resolve();

/** Reads reusing one `Date.now()`, at most. */
const MAX_REUSE = 64;

/** The clock every run stamps operations with. @internal */
export const engineClock = new CoarseClock();
