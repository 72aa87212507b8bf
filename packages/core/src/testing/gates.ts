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
  private readonly gates = new Map<string, Deferred<void>>();

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

  /** Opens the gate of one operation (given as its key). */
  open(id: string): void {
    this.gate(id).resolve();
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
  }

  /** Records that `id` finished. */
  leave(id: string): void {
    this.running--;
    this.finished.push(id);
  }
}
