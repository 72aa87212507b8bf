import type { Observable } from 'rxjs';
import type { EngineEvent, RunProgress } from './events';
import type { ExecutionResult } from './execution-result';

/**
 * A run in progress, returned by `engine.start()`. Subscribe to `events$`
 * right away (events start on the next microtask), await `result`, call
 * `cancel()` to stop.
 *
 * @example
 * ```ts
 * const run = engine.start(graph);
 * run.events$.pipe(ofType('OperationCompleted')).subscribe((e) => console.log('done', e.operationId));
 * setTimeout(() => run.cancel('too slow'), 10_000);
 * const result = await run.result;
 * ```
 */
export interface RunHandle {
  /** The run's id (given in the options, or a random UUID). */
  readonly runId: string;
  /** This run's events; completes after `RunCompleted`. */
  readonly events$: Observable<EngineEvent>;
  /** Done/total counts after every operation that settles; completes with the run. */
  readonly progress$: Observable<RunProgress>;
  /** Resolves when the run settles; never rejects for an operation's failure. */
  readonly result: Promise<ExecutionResult>;
  /**
   * Cancels the run: running operations see `context.signal` abort, nothing
   * new starts, and the result settles as `cancelled` once running
   * operations return.
   */
  cancel(reason?: string): void;
}
