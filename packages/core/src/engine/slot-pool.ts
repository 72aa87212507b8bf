/**
 * How many operations start before the scheduler yields to the event loop,
 * counted across runs and across microtasks, so that timers, I/O and
 * cancellation get in even while a long chain of quick operations runs.
 * @internal
 */
export const LAUNCHES_PER_TURN = 2048;

/** {@link SlotUser.launchNext} started one operation. @internal */
export const LAUNCHED = 0;
/** The run has ready operations, but none fits the free slots of its resource class. @internal */
export const BLOCKED = 1;
/** The run has nothing it may start now (no ready operation, or it is at its own limit). @internal */
export const IDLE = 2;
/** What {@link SlotUser.launchNext} did. @internal */
export type LaunchOutcome = typeof LAUNCHED | typeof BLOCKED | typeof IDLE;

/** A run, as the slot pool sees it. @internal */
export interface SlotUser {
  /**
   * Starts the run's next ready operation if it fits the pool's free slots,
   * and re-joins the queue if it has more ready operations.
   */
  launchNext(pool: SlotPool): LaunchOutcome;
  /** Whether the run is in the pool's queue; only the pool writes it. */
  inSlotQueue: boolean;
}

/** Engine-wide limits on operations running at once. @internal */
export interface SlotLimits {
  readonly maxParallel: number;
  readonly cpuThreads: number;
  readonly ioConcurrency: number;
}

/**
 * The engine-wide slots every run of one engine shares: `maxParallel`
 * operations at once in total, `cpuThreads` of them CPU-bound and
 * `ioConcurrency` I/O-bound. Runs with ready operations wait in a FIFO queue
 * and take turns, one launch each, so concurrent runs share slots fairly.
 * Plain counters and a ring buffer: this is the scheduler's hot path.
 * @internal
 */
export class SlotPool {
  /** Operations running now, all runs together. */
  running = 0;
  private cpu = 0;
  private io = 0;
  private queue: (SlotUser | undefined)[] = new Array(8);
  private head = 0;
  private size = 0;
  private dispatching = false;
  private launchedThisTurn = 0;
  private pause: ReturnType<typeof setImmediate> | undefined;

  constructor(readonly limits: SlotLimits) {}

  /** Whether a CPU-bound operation may start now. */
  cpuRoom(): boolean {
    return this.cpu < this.limits.cpuThreads;
  }

  /** Whether an I/O-bound operation may start now. */
  ioRoom(): boolean {
    return this.io < this.limits.ioConcurrency;
  }

  /** Takes a slot; the caller checked {@link cpuRoom} / {@link ioRoom}. */
  acquire(cpu: boolean): void {
    this.running++;
    if (cpu) this.cpu++;
    else this.io++;
  }

  /** Gives a slot back; the caller dispatches afterwards. */
  release(cpu: boolean): void {
    this.running--;
    if (cpu) this.cpu--;
    else this.io--;
  }

  /** Queues a run that has ready operations (does nothing if it is queued). */
  join(user: SlotUser): void {
    if (user.inSlotQueue) return;
    user.inSlotQueue = true;
    if (this.size === this.queue.length) this.grow();
    this.queue[(this.head + this.size++) % this.queue.length] = user;
  }

  /** Removes a finished run from the queue, so the pool holds no reference to it. */
  leave(user: SlotUser): void {
    if (user.inSlotQueue) {
      const { queue } = this;
      const kept: (SlotUser | undefined)[] = new Array(queue.length);
      let k = 0;
      for (let j = 0; j < this.size; j++) {
        const u = queue[(this.head + j) % queue.length]!;
        if (u !== user) kept[k++] = u;
      }
      this.queue = kept;
      this.head = 0;
      this.size = k;
      user.inSlotQueue = false;
    }
    if (this.size === 0 && this.pause !== undefined) {
      clearImmediate(this.pause);
      this.pause = undefined;
      this.launchedThisTurn = 0;
    }
  }

  /**
   * Starts ready operations of queued runs, in turn, while slots are free.
   * Never re-entered: operations that finish synchronously enqueue their
   * successors, and this loop picks them up.
   */
  dispatch(): void {
    if (this.dispatching || this.pause !== undefined) return;
    this.dispatching = true;
    try {
      let blocked = 0;
      while (this.running < this.limits.maxParallel && this.size > blocked) {
        const user = this.shift();
        const outcome = user.launchNext(this);
        // A run that launched re-queues itself if it has more to start; one
        // that is idle re-queues itself when it gets ready work or a free slot.
        if (outcome === IDLE) continue;
        if (outcome === BLOCKED) {
          this.join(user);
          blocked++;
          continue;
        }
        blocked = 0;
        if (++this.launchedThisTurn >= LAUNCHES_PER_TURN) {
          this.pause = setImmediate(() => {
            this.pause = undefined;
            this.launchedThisTurn = 0;
            this.dispatch();
          });
          break;
        }
      }
    } finally {
      this.dispatching = false;
    }
  }

  private shift(): SlotUser {
    const user = this.queue[this.head]!;
    this.queue[this.head] = undefined;
    this.head = (this.head + 1) % this.queue.length;
    this.size--;
    user.inSlotQueue = false;
    return user;
  }

  private grow(): void {
    const grown: (SlotUser | undefined)[] = new Array(this.queue.length * 2);
    for (let j = 0; j < this.size; j++) grown[j] = this.queue[(this.head + j) % this.queue.length];
    this.queue = grown;
    this.head = 0;
  }
}
