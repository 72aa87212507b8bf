import type { ExecutionContext } from '../model/execution-context';
import type { Operation } from '../model/operation';
import type { OperationExecutor } from './operation-executor';
import { engineClock } from './coarse-clock';

/**
 * Runs one attempt of `operation` (inline, or on its executor) and reports
 * its outcome exactly through `onValue` or `onError`: synchronously for a
 * plain return or throw, later for a promise (or any thenable, including one
 * whose `then` throws). @internal
 */
export function invokeAttempt(
  operation: Operation,
  executor: OperationExecutor | undefined,
  inputs: Readonly<Record<string, unknown>>,
  context: ExecutionContext,
  onValue: (value: unknown) => void,
  onError: (error: unknown) => void,
): void {
  let returned: unknown;
  try {
    returned = executor === undefined ? operation.execute(inputs, context) : executor.execute(operation, inputs, context);
  } catch (error) {
    engineClock.stale();
    onError(error);
    return;
  }
  engineClock.stale();
  if (returned !== null && typeof returned === 'object' && typeof (returned as PromiseLike<unknown>).then === 'function') {
    try {
      (returned as PromiseLike<unknown>).then(onValue, onError);
    } catch (error) {
      onError(error); // a thenable whose `then` throws
    }
  } else {
    onValue(returned);
  }
}
