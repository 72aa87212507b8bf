import { StoreWriteError, type WriteFailure } from './errors';

/** How writes are grouped into transactions. */
export interface GroupCommitOptions {
  /** Commit as soon as this many writes are queued. Default 1024. */
  readonly maxItems?: number;
  /** Commit at most this many milliseconds after the first write of a quiet spell is queued. Default 5. */
  readonly maxDelayMs?: number;
}

/** Defaults of {@link GroupCommitOptions}. @internal */
export const GROUP_COMMIT_DEFAULTS = Object.freeze({ maxItems: 1024, maxDelayMs: 5 });

/**
 * Group commit: writes are queued and committed together, one transaction
 * per group, one group at a time (in queue order). A group starts when
 * `maxItems` writes are waiting, `maxDelayMs` after a write arrives at an
 * idle queue, on `flush()`, or as soon as the previous group is done while
 * writes are waiting. A group that fails is retried one write at a time so
 * only the bad writes are lost; they are reported by the next `flush()`,
 * never as an unhandled rejection. @internal
 */
export class GroupCommit<W> {
  readonly #commit: (writes: readonly W[]) => Promise<void>;
  readonly #failure: (write: W, error: unknown) => WriteFailure;
  readonly #location: string;
  readonly #maxItems: number;
  readonly #maxDelayMs: number;
  #queue: W[] = [];
  #draining: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failures: WriteFailure[] = [];

  constructor(
    location: string,
    commit: (writes: readonly W[]) => Promise<void>,
    failure: (write: W, error: unknown) => WriteFailure,
    options: GroupCommitOptions = {},
  ) {
    this.#location = location;
    this.#commit = commit;
    this.#failure = failure;
    this.#maxItems = options.maxItems ?? GROUP_COMMIT_DEFAULTS.maxItems;
    this.#maxDelayMs = options.maxDelayMs ?? GROUP_COMMIT_DEFAULTS.maxDelayMs;
  }

  /** Writes queued and not yet committed (or failed). */
  get queued(): number {
    return this.#queue.length;
  }

  /** Queues a write. */
  push(write: W): void {
    this.#queue.push(write);
    if (this.#draining !== undefined) return; // the running group's loop takes it next
    if (this.#queue.length >= this.#maxItems) this.#start();
    else this.#timer ??= setTimeout(() => this.#start(), this.#maxDelayMs);
  }

  /**
   * Waits until every write queued so far is committed or has failed;
   * rejects with a `StoreWriteError` listing the writes that failed since
   * the last `flush()`.
   */
  async flush(): Promise<void> {
    while (this.#queue.length > 0 || this.#draining !== undefined) {
      this.#start();
      await this.#draining;
    }
    if (this.#failures.length > 0) {
      const failures = this.#failures;
      this.#failures = [];
      throw new StoreWriteError(this.#location, failures);
    }
  }

  #start(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#draining !== undefined || this.#queue.length === 0) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      if (this.#queue.length > 0) this.#start();
    });
  }

  /** Commits groups until the queue is empty. Never rejects. */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const group = this.#queue.splice(0, this.#maxItems);
      try {
        await this.#commit(group);
      } catch (error) {
        if (group.length === 1) this.#failures.push(this.#failure(group[0]!, error));
        else await this.#commitEach(group);
      }
    }
  }

  async #commitEach(group: readonly W[]): Promise<void> {
    for (const write of group) {
      try {
        await this.#commit([write]);
      } catch (error) {
        this.#failures.push(this.#failure(write, error));
      }
    }
  }
}
