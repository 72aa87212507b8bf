import type { ExecutionContext } from '../model/execution-context';
import type { Operation } from '../model/operation';

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
  /** Releases the executor's resources; called by `engine.close()`. */
  close?(): Promise<void> | void;
}
