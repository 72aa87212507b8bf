import type { ErrorSummary, JsonValue } from '@portflow/core';
import type { RunRecord, StoredRunStatus } from './records';

/** A run as a backend reads and writes it: JSON as text, absent values as null. @internal */
export interface RunRow {
  readonly runId: string;
  readonly workflow: string;
  readonly definitionHash: string;
  readonly variables: string;
  readonly status: StoredRunStatus;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly error: string | null;
  readonly reason: string | null;
  readonly resumedFrom: string | null;
  readonly codecFormat: string | null;
}

/** How a run ended, as a backend writes it. @internal */
export interface RunFinishRow {
  readonly runId: string;
  readonly status: StoredRunStatus;
  readonly finishedAt: number;
  readonly error: string | null;
  readonly reason: string | null;
}

/** A journal event as a backend writes it, before it has a sequence number. @internal */
export interface EventRow {
  readonly runId: string;
  readonly type: string;
  readonly payload: string;
}

/** @internal */
export function runFromRow(row: RunRow): RunRecord {
  return {
    runId: row.runId,
    workflow: row.workflow,
    definitionHash: row.definitionHash,
    variables: JSON.parse(row.variables) as Record<string, JsonValue>,
    status: row.status,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    ...(row.error !== null && { error: JSON.parse(row.error) as ErrorSummary }),
    ...(row.reason !== null && { reason: row.reason }),
    ...(row.resumedFrom !== null && { resumedFrom: row.resumedFrom }),
    ...(row.codecFormat !== null && { codecFormat: row.codecFormat }),
  };
}

