import { InvalidOptionsError, type ErrorSummary, type JsonValue } from '@portflow/core';
import { ExecutionTransitionError } from './errors';
import { json, requireId, time } from './store-writes';
import { EXECUTION_STATUSES, FINISHED_EXECUTION_STATUSES, type ExecutionInput, type ExecutionRecord, type ExecutionStatus, type ExecutionUpdate } from './execution-records';

/** An execution as a backend reads and writes it: JSON as text, absent values as null. @internal */
export interface ExecutionRow {
  readonly executionId: string;
  readonly workflow: string;
  readonly params: string;
  readonly status: ExecutionStatus;
  readonly position: number;
  readonly submittedAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** A JSON array of run ids. */
  readonly runIds: string;
  readonly error: string | null;
  readonly reason: string | null;
  readonly idempotencyKey: string | null;
}

/** A new execution's row, before the backend gives it a position. @internal */
export type NewExecutionRow = Omit<ExecutionRow, 'position'>;

/** The column list both backends select, aliased to {@link ExecutionRow}. @internal */
export function executionColumns(json: (column: string) => string): string {
  return (
    `execution_id AS "executionId", workflow, ${json('params')} AS params, status, position, submitted_at AS "submittedAt", ` +
    `started_at AS "startedAt", finished_at AS "finishedAt", run_ids AS "runIds", ${json('error')} AS error, reason, idempotency_key AS "idempotencyKey"`
  );
}

/** @internal */
export function executionFromRow(row: ExecutionRow): ExecutionRecord {
  return {
    executionId: row.executionId,
    workflow: row.workflow,
    params: JSON.parse(row.params) as Record<string, JsonValue>,
    status: row.status,
    position: row.position,
    submittedAt: row.submittedAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    runIds: JSON.parse(row.runIds) as string[],
    ...(row.error !== null && { error: JSON.parse(row.error) as ErrorSummary }),
    ...(row.reason !== null && { reason: row.reason }),
    ...(row.idempotencyKey !== null && { idempotencyKey: row.idempotencyKey }),
  };
}

/** The row of a new execution; an `InvalidOptionsError` naming every problem when `input` is malformed. @internal */
export function newExecutionRow(input: ExecutionInput): NewExecutionRow {
  const problems: string[] = [];
  requireId(problems, 'executionId', input?.executionId);
  requireId(problems, 'workflow', input?.workflow);
  if (input?.idempotencyKey !== undefined) requireId(problems, 'idempotencyKey', input.idempotencyKey);
  const submittedAt = time(problems, 'submittedAt', input?.submittedAt, false);
  if (input?.params === null || typeof input?.params !== 'object' || Array.isArray(input.params)) problems.push('params must be an object of JSON values');
  const params = json(problems, 'params', input?.params);
  if (problems.length > 0) throw new InvalidOptionsError(`execution '${String(input?.executionId)}'`, problems);
  return {
    executionId: input.executionId,
    workflow: input.workflow,
    params: params!,
    status: 'queued',
    submittedAt: submittedAt!,
    startedAt: null,
    finishedAt: null,
    runIds: '[]',
    error: null,
    reason: null,
    idempotencyKey: input.idempotencyKey ?? null,
  };
}

/** Checks an update's shape at once: an `InvalidOptionsError` naming every problem. @internal */
export function checkExecutionUpdate(executionId: string, update: ExecutionUpdate): void {
  const problems: string[] = [];
  requireId(problems, 'executionId', executionId);
  if (!EXECUTION_STATUSES.includes(update?.status)) problems.push(`status ${JSON.stringify(update?.status)} is not one of ${EXECUTION_STATUSES.join(', ')}`);
  if (update?.startedAt !== undefined) time(problems, 'startedAt', update.startedAt, false);
  if (update?.finishedAt !== undefined) time(problems, 'finishedAt', update.finishedAt, false);
  if (FINISHED_EXECUTION_STATUSES.includes(update?.status) && update.finishedAt === undefined) problems.push(`finishedAt is required with status '${update.status}'`);
  if (update?.runId !== undefined) requireId(problems, 'runId', update.runId);
  if (update?.reason !== undefined && typeof update.reason !== 'string') problems.push(`reason must be a string when given (got ${typeof update.reason})`);
  if (update?.error !== undefined) json(problems, 'error', update.error);
  if (problems.length > 0) throw new InvalidOptionsError(`update of execution '${String(executionId)}'`, problems);
}

const ALLOWED: Readonly<Record<ExecutionStatus, readonly ExecutionStatus[]>> = {
  queued: ['running', 'failed', 'cancelled'],
  running: ['running', 'succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

/**
 * The row after `update`, or an {@link ExecutionTransitionError} when the
 * status change is not allowed. Run ids are appended (once each). @internal
 */
export function applyExecutionUpdate(row: ExecutionRow, update: ExecutionUpdate, location: string): ExecutionRow {
  if (!ALLOWED[row.status].includes(update.status)) throw new ExecutionTransitionError(location, row.executionId, row.status, update.status);
  const runIds = JSON.parse(row.runIds) as string[];
  if (update.runId !== undefined && !runIds.includes(update.runId)) runIds.push(update.runId);
  return {
    ...row,
    status: update.status,
    startedAt: row.startedAt ?? (update.startedAt === undefined ? null : Math.round(update.startedAt)),
    finishedAt: update.finishedAt === undefined ? row.finishedAt : Math.round(update.finishedAt),
    runIds: JSON.stringify(runIds),
    error: update.error === undefined ? row.error : JSON.stringify(update.error),
    reason: update.reason ?? row.reason,
  };
}

