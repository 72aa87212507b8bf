import type { EngineEvent, EngineEventType } from '../events/events';
import type { RunHandle } from '../engine/run-handle';

/**
 * The first event of `run` of the given type (and operation, when given):
 * a signal to act on instead of a timer ("cancel once the operation reports
 * progress"). Rejects when the run ends first, so a test fails with a reason
 * instead of timing out.
 *
 * @example
 * ```ts
 * const run = engine.start(graph);
 * await nextEvent(run, 'OperationProgress', 'train');
 * run.cancel('enough');
 * ```
 */
export function nextEvent<T extends EngineEventType>(run: RunHandle<object>, type: T, operationId?: string): Promise<Extract<EngineEvent, { type: T }>> {
  return new Promise((resolve, reject) => {
    const subscription = run.events$.subscribe((event) => {
      if (event.type === type && (operationId === undefined || ('operationId' in event && event.operationId === operationId))) {
        subscription.unsubscribe();
        resolve(event as Extract<EngineEvent, { type: T }>);
      }
    });
    void run.result.then((result) => reject(new Error(`the run ended (${result.status}) before ${operationId === undefined ? '' : `'${operationId}' `}emitted ${type}`)));
  });
}
