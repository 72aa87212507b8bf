import type { Observable } from 'rxjs';
import type { EngineEvent, RunProgress } from '../events/events';
import type { ExecutionResult } from '../results/execution-result';
import type { Operation } from '../model/operation';
import type { OutputPortName, OutputValue } from '../model/ports/port';
import type { PortValue } from './run-execution';

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
export interface RunHandle<O extends object = object> {
  /** The run's id (given in the options, or a random UUID). */
  readonly runId: string;
  /** This run's events; completes after `RunCompleted`. */
  readonly events$: Observable<EngineEvent>;
  /** Done/total counts after every operation that settles; completes with the run. */
  readonly progress$: Observable<RunProgress>;
  /** Resolves when the run settles; never rejects for an operation's failure. */
  readonly result: Promise<ExecutionResult<O>>;
  /**
   * Every value leaving an output port in this run, as `{ runId,
   * operationId, port, value }`, the moment its operation succeeds;
   * completes when the run ends. Free when nobody subscribes.
   */
  readonly outputs$: Observable<PortValue>;
  /**
   * A future of one output: resolves as soon as `operation` succeeds (while
   * the rest of the run goes on), rejects with an `OutputUnavailableError`
   * if it fails, is skipped or cancelled. Asking keeps that output until the
   * run ends.
   *
   * @example
   * ```ts
   * const run = engine.start(graph);
   * const model = await run.output(train, 'model'); // evaluation still runs
   * ```
   */
  output<Op extends Operation, P extends OutputPortName<Op>>(operation: Op, port: P): Promise<OutputValue<Op, P>>;
  /**
   * Hands what the run has recorded so far to its store, and resolves once
   * the store holds it: the way to checkpoint with `checkpoint: 'manual'`,
   * and a way to make sure of it in the other modes. Resolves at once
   * without a store, with `checkpoint: 'off'`, and after the run ended.
   *
   * @example
   * ```ts
   * const run = engine.start(graph, { store, checkpoint: 'manual' });
   * await run.output(train, 'model');
   * await run.checkpoint(); // a crash from here on keeps the training
   * ```
   */
  checkpoint(): Promise<void>;
  /**
   * Cancels the run: running operations see `context.signal` abort, nothing
   * new starts, and the result settles as `cancelled` once running
   * operations return.
   */
  cancel(reason?: string): void;
}
