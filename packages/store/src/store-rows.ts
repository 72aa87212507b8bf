import type { ErrorSummary, JsonValue, OperationStatus } from '@portflow/core';
import { plainBytes } from './content-hash';
import type { OutputRef } from './output-ref';
import type { JournalEvent, RecordedOperation, RunRecord, StoredRunStatus } from './records';

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

/** An operation record as a backend reads and writes it. @internal */
export interface OperationRow {
  readonly runId: string;
  readonly operationId: string;
  readonly status: OperationStatus;
  readonly attempts: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly error: string | null;
  readonly reason: string | null;
  readonly cacheKey: string | null;
  readonly restoredFrom: string | null;
}

/** One output port's ref as a backend reads and writes it. @internal */
export interface OutputRow {
  readonly runId: string;
  readonly operationId: string;
  readonly port: string;
  readonly hash: string;
  readonly size: number;
  readonly inline: Uint8Array | ArrayBuffer | null;
  readonly blob: string | null;
}

/** A journal event as a backend writes it, before it has a sequence number. @internal */
export interface EventRow {
  readonly runId: string;
  readonly type: string;
  readonly payload: string;
}

/** A journal event as a backend reads it. @internal */
export interface StoredEventRow {
  readonly seq: number;
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

/** The records of `operations` with their outputs (rows of any operations; matched by run and operation id). @internal */
export function operationsFromRows(operations: readonly OperationRow[], outputs: readonly OutputRow[]): RecordedOperation[] {
  const refs = new Map<string, Record<string, OutputRef>>();
  for (const o of outputs) {
    const key = `${o.runId}\u0000${o.operationId}`;
    let byPort = refs.get(key);
    if (byPort === undefined) refs.set(key, (byPort = {}));
    byPort[o.port] = o.inline !== null ? { hash: o.hash, size: o.size, inline: plainBytes(o.inline) } : { hash: o.hash, size: o.size, blob: o.blob! };
  }
  return operations.map((row) => ({
    runId: row.runId,
    operationId: row.operationId,
    status: row.status,
    attempts: row.attempts,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    ...(row.error !== null && { error: JSON.parse(row.error) as ErrorSummary }),
    ...(row.reason !== null && { reason: row.reason }),
    ...(row.cacheKey !== null && { cacheKey: row.cacheKey }),
    outputs: refs.get(`${row.runId}\u0000${row.operationId}`) ?? {},
    restored: row.restoredFrom !== null,
    ...(row.restoredFrom !== null && { restoredFrom: row.restoredFrom }),
  }));
}

/** @internal */
export function eventFromRow(row: StoredEventRow): JournalEvent {
  return { seq: row.seq, type: row.type, payload: JSON.parse(row.payload) as JsonValue };
}
