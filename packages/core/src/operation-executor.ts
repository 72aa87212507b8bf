import type { ExecutionContext } from './execution-context';
import type { Operation } from './operation';

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
  /** Releases the executor's resources; called by `engine.close()`. */
  close?(): Promise<void> | void;
}
