import type { EngineEvent } from '../events/events';

/**
 * Checks the promises the engine makes about one run's event stream and
 * returns every broken one (empty when all hold):
 * - `RunStarted` first, `RunCompleted` last, each exactly once; all events share one runId;
 * - `seq` is 1, 2, 3... and timestamps never go back;
 * - every `OperationStarted` (operation, attempt) is ended by exactly one of
 *   `OperationCompleted`, `OperationFailed` or an interrupting `OperationCancelled`
 *   of that attempt, after it, and attempts of one operation never overlap;
 * - every operation has exactly one final event (`OperationCompleted`,
 *   `OperationRestored`, a final `OperationFailed`, `OperationSkipped` or
 *   `OperationCancelled`), and nothing
 *   about it follows that event;
 * - `OperationRetrying` follows an `OperationFailed` with `willRetry`;
 * - `RunCompleted.counts` match the final events.
 */
export function eventInvariantViolations(events: readonly EngineEvent[], operationCount?: number): string[] {
  const problems: string[] = [];
  if (events.length === 0) return ['no events'];
  const first = events[0]!;
  const last = events[events.length - 1]!;
  if (first.type !== 'RunStarted') problems.push(`first event is ${first.type}`);
  if (last.type !== 'RunCompleted') problems.push(`last event is ${last.type}`);
  if (events.filter((e) => e.type === 'RunStarted').length !== 1) problems.push('RunStarted is not emitted exactly once');
  if (events.filter((e) => e.type === 'RunCompleted').length !== 1) problems.push('RunCompleted is not emitted exactly once');
  events.forEach((e, k) => {
    if (e.runId !== first.runId) problems.push(`event ${k} has runId ${e.runId}`);
    if (e.seq !== k + 1) problems.push(`event ${k} (${e.type}) has seq ${e.seq}, expected ${k + 1}`);
    if (k > 0 && e.timestamp < events[k - 1]!.timestamp) problems.push(`event ${k} goes back in time`);
  });

  const openAttempt = new Map<string, number>();
  const finalEvent = new Map<string, EngineEvent>();
  const counts = { succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
  let pendingRetry = new Set<string>();
  for (const e of events) {
    if (!('operationId' in e)) continue;
    const id = e.operationId;
    if (finalEvent.has(id)) {
      problems.push(`${e.type} for '${id}' after its final ${finalEvent.get(id)!.type}`);
      continue;
    }
    const open = openAttempt.get(id);
    switch (e.type) {
      case 'OperationStarted':
        if (open !== undefined) problems.push(`'${id}' attempt ${e.attempt} started while attempt ${open} is open`);
        openAttempt.set(id, e.attempt);
        break;
      case 'OperationProgress':
        if (open !== e.attempt) problems.push(`progress of '${id}' attempt ${e.attempt} outside that attempt`);
        break;
      case 'OperationCompleted':
        if (open !== e.attempt) problems.push(`'${id}' completed attempt ${e.attempt} that is not open`);
        openAttempt.delete(id);
        finalEvent.set(id, e);
        counts.succeeded++;
        break;
      case 'OperationFailed':
        if (open !== e.attempt) problems.push(`'${id}' failed attempt ${e.attempt} that is not open`);
        openAttempt.delete(id);
        if (e.willRetry) pendingRetry.add(id);
        else {
          finalEvent.set(id, e);
          counts.failed++;
        }
        break;
      case 'OperationRetrying':
        if (!pendingRetry.has(id)) problems.push(`'${id}' retrying without a failure that will retry`);
        pendingRetry = new Set([...pendingRetry].filter((x) => x !== id));
        break;
      case 'OperationRestored':
        if (open !== undefined) problems.push(`'${id}' restored while attempt ${open} runs`);
        finalEvent.set(id, e);
        counts.succeeded++;
        break;
      case 'OperationSkipped':
        if (open !== undefined) problems.push(`'${id}' skipped while attempt ${open} runs`);
        finalEvent.set(id, e);
        counts.skipped++;
        break;
      case 'OperationCancelled':
        if (e.interrupted && open !== e.attempt) problems.push(`'${id}' interrupted attempt ${e.attempt} that is not open`);
        if (!e.interrupted && open !== undefined) problems.push(`'${id}' cancelled as not running while attempt ${open} runs`);
        openAttempt.delete(id);
        finalEvent.set(id, e);
        counts.cancelled++;
        break;
    }
  }
  for (const [id, attempt] of openAttempt) problems.push(`'${id}' attempt ${attempt} never ended`);
  if (operationCount !== undefined && finalEvent.size !== operationCount) {
    problems.push(`${finalEvent.size} operations have a final event, expected ${operationCount}`);
  }
  if (last.type === 'RunCompleted') {
    const { total: _total, ...reported } = last.counts;
    if (JSON.stringify(reported) !== JSON.stringify(counts)) problems.push(`RunCompleted counts ${JSON.stringify(reported)} but events say ${JSON.stringify(counts)}`);
  }
  return problems;
}
