import { createLogger, type LogEntry, type Logger } from '@portflow/core';
import type { RunStore } from '@portflow/store';
import type { ExecutionHub, StepLog } from './execution-hub';

/** The journal event type of a step's log line (engine events keep their own types). @internal */
export const STEP_LOG = 'StepLog';

/** Longest message kept of one log line, in characters. */
const MAX_MESSAGE = 8192;

/**
 * The engine logger of a service: a step's log line (an entry bound to a run
 * and an operation, as `context.logger` writes them) goes to the run's
 * journal in the store and live to the execution's followers; anything else
 * goes to `fallback`. @internal
 */
export function stepLogger(store: RunStore, hub: ExecutionHub, fallback: (entry: LogEntry) => void): Logger {
  return createLogger((entry) => {
    const { runId, operationId, attempt } = entry.fields as { runId?: unknown; operationId?: unknown; attempt?: unknown };
    if (typeof runId !== 'string' || typeof operationId !== 'string') {
      fallback(entry);
      return;
    }
    const log = hub.log({
      runId,
      operationId,
      attempt: typeof attempt === 'number' ? attempt : 1,
      level: entry.level,
      message: entry.message.length > MAX_MESSAGE ? `${entry.message.slice(0, MAX_MESSAGE)}…` : entry.message,
      time: entry.time,
    });
    const { runId: _run, ...payload } = log;
    try {
      store.appendEvents(runId, [{ type: STEP_LOG, payload }]);
    } catch (error) {
      fallback({ level: 'warn', message: `a log line of step '${operationId}' could not be stored: ${error instanceof Error ? error.message : String(error)}`, time: entry.time, fields: {} });
    }
  });
}

/** The log lines of the given runs, oldest run first, optionally of one step. @internal */
export async function readStepLogs(store: RunStore, runIds: readonly string[], operationId?: string): Promise<StepLog[]> {
  const logs: StepLog[] = [];
  for (const runId of runIds) {
    for (const event of await store.events(runId)) {
      if (event.type !== STEP_LOG) continue;
      const log = { runId, ...(event.payload as Omit<StepLog, 'runId'>) };
      if (operationId === undefined || log.operationId === operationId) logs.push(log);
    }
  }
  return logs;
}
