import type { ExecutionContext } from '../model/execution-context';
import type { Operation } from '../model/operation';
import type { RunCounts } from '../events/events';
import type { RunStatus } from '../results/execution-result';

/** How a run ended, as the engine tells its executors ({@link OperationExecutor.runEnded}). */
export interface RunEndedSummary {
  /**
   * The first run of the resume chain this run belongs to (the run itself
   * when it resumed none): `context.idempotencyKey` is
   * `rootRunId + '/' + operationId`. Work an executor keeps for a run (jobs,
   * keys) is best named by it, so that a resumed run finds and ends it.
   */
  readonly rootRunId: string;
  /** How the run ended. */
  readonly status: RunStatus;
  /** Epoch ms. */
  readonly finishedAt: number;
  /** Operations by final state. */
  readonly counts: RunCounts;
  /** Why it stopped early (cancellation reason, or the operation that failed under `failFast`). */
  readonly reason?: string;
}

/**
 * Runs one attempt of an operation somewhere: the engine calls operations on
 * the main thread by default; an executor registered for a resource hint
 * (e.g. a worker-thread pool for `cpu_bound`) takes those operations
 * instead. Inputs and outputs crossing an executor are plain values.
 *
 * @example
 * ```ts
 * const logging: OperationExecutor = {
 *   execute(op, inputs, context) { context.logger.debug('running'); return op.execute(inputs as never, context); },
 * };
 * new ExecutionEngine({ executors: { io_bound: logging } });
 * ```
 */
export interface OperationExecutor {
  /** Runs one attempt; returns (or resolves to) the operation's outputs. */
  execute(operation: Operation, inputs: Readonly<Record<string, unknown>>, context: ExecutionContext): unknown;
  /**
   * Why `operation` cannot run on this executor (empty or undefined when it
   * can). The engine asks before a run's first operation starts, once per
   * graph version, and rejects the run with a `GraphValidationError` listing
   * every reason (problem kind `executor`), so nothing fails half-way.
   */
  validate?(operation: Operation): readonly string[] | undefined;
  /**
   * A run whose operations this executor may have run has ended (succeeded,
   * failed or cancelled), and no attempt of it is in flight: the place to
   * remove what the executor kept for the run (and for earlier runs of its
   * resume chain, see {@link RunEndedSummary.rootRunId}). The engine calls
   * it once per run and executor, after the run's checkpoint store recorded
   * the end, for every executor the run's graph routes operations to
   * (whether or not one ran there: a resumed run may have restored them
   * all), and the run's `result` resolves once it has settled, so
   * `engine.close()` waits for it too. A rejection is logged (engine
   * logger, level error); it never changes the result. A run that never
   * ends, because its process died, never calls it: what the executor kept
   * stays for a resume.
   */
  runEnded?(runId: string, summary: RunEndedSummary): Promise<void> | void;
  /** Releases the executor's resources; called by `engine.close()`. */
  close?(): Promise<void> | void;
}
