/**
 * Reads of the wall clock for per-operation timings, amortised: `Date.now()`
 * costs about as much as scheduling one operation on these machines, and a
 * run stamps each operation twice. A read is reused until the engine says
 * time may have passed ({@link CoarseClock.stale}), which it does at every
 * entry from outside: when an attempt's promise settles, after an
 * operation's code returns, when a timer fires, after subscribers ran, when
 * operation code reports progress, when a run begins or is cancelled. So one
 * read serves, say, an operation's completion and the starts of the
 * successors it releases; a read is reused at most {@link MAX_REUSE} times.
 * No timer or promise job is involved: reading costs nothing per operation
 * beyond the read itself.
 * @internal
 */
export class CoarseClock {
  private value = 0;
  private reuses = 0;
  private valid = false;

  /** Milliseconds since the epoch, as `Date.now()`. */
  now(): number {
    if (this.valid && ++this.reuses < MAX_REUSE) return this.value;
    this.value = Date.now();
    this.reuses = 0;
    this.valid = true;
    return this.value;
  }

  /** Time may have passed (code outside the engine ran, a timer fired): the next read is fresh. */
  stale(): void {
    this.valid = false;
  }
}

/** Reads reusing one `Date.now()`, at most. */
const MAX_REUSE = 64;

/** The clock every run stamps operations and events with. @internal */
export const engineClock = new CoarseClock();
