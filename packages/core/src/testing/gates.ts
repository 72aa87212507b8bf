import type { ExecutionContext } from '../model/execution-context';
import { deferred, type Deferred } from './deferred';

/**
 * Counts operations running at once and holds each one until the test opens
 * its gate, so a test controls overlap exactly instead of sleeping. An
 * operation calls `enter` when it starts, awaits `gate(key).promise`, then
 * calls `leave`.
 *
 * @example
 * ```ts
 * const gates = new Gates();
 * const Held = defineOperation('held', {}, async (_inputs, context) => {
 *   const key = gates.keyOf(context);
 *   gates.enter(key);
 *   await gates.gate(key).promise;
 *   gates.leave(key);
 * });
 * // ... start a run, then: expect(gates.running).toBe(2); gates.openRunning();
 * ```
 */
export class Gates {
  /** Operations between `enter` and `leave` now. */
  running = 0;
  /** The most that were ever running at once. */
  maxRunning = 0;
  /** Keys in the order they entered. */
  readonly started: string[] = [];
  /** Keys in the order they left. */
  readonly finished: string[] = [];
  /** Open each gate as its operation enters (for tests that only watch the order). */
  autoOpen = false;
  private readonly gates = new Map<string, Deferred<void>>();
  private readonly waiters: (() => void)[] = [];

  /** With `perRun`, gates are keyed `runId/operationId`, for concurrent runs of one graph. */
  constructor(private readonly options: { perRun?: boolean } = {}) {}

  /** The key of an attempt's gate. */
  keyOf(context: ExecutionContext): string {
    return this.options.perRun ? `${context.runId}/${context.operationId}` : context.operationId;
  }

  /** The gate of one key, made on first use. */
  gate(id: string): Deferred<void> {
    let gate = this.gates.get(id);
    if (gate === undefined) this.gates.set(id, (gate = deferred()));
    return gate;
  }

  /** Opens the gates of these operations (given as their keys). */
  open(...ids: string[]): void {
    for (const id of ids) this.gate(id).resolve();
  }

  /** Opens the gate of every operation that is running now. */
  openRunning(): void {
    for (const id of this.started) if (!this.finished.includes(id)) this.open(id);
  }

  /** Records that `id` started. */
  enter(id: string): void {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.started.push(id);
    if (this.autoOpen) this.open(id);
    this.changed();
  }

  /** Records that `id` finished. */
  leave(id: string): void {
    this.running--;
    this.finished.push(id);
    this.changed();
  }

  /** Resolves once `condition` holds: checked now and after every `enter` and `leave`, never on a timer. */
  until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => (condition() ? resolve() : void this.waiters.push(check));
      this.waiters.push(check);
    });
  }

  private changed(): void {
    for (const check of this.waiters.splice(0)) check();
  }
}
