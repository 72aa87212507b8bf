import { InvalidOptionsError } from '@portflow/core';
import { isInlineOutputRef, outputRefProblem } from './output-ref';
import type { JournalEventInput, OperationRecordInput, RunFinish, RunStart } from './records';
import { loggedJson, type LogWrite } from './operation-log';
import type { EventRow, RunFinishRow, RunRow } from './store-rows';

const OPERATION_STATUSES = new Set(['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled']);
const FINISHED_RUN_STATUSES = new Set(['succeeded', 'failed', 'cancelled']);

/** One queued write, validated and serialized when queued. @internal */
export type StoreWrite =
  | { readonly kind: 'run'; readonly row: RunRow }
  | { readonly kind: 'finish'; readonly row: RunFinishRow }
  | { readonly kind: 'operation'; readonly log: LogWrite }
  | { readonly kind: 'events'; readonly rows: readonly EventRow[] };

/**
 * Queued writes grouped for one transaction, in the order a backend applies
 * them: run starts, run ends, operation records (the last of each
 * operation, see operation-log.ts), journal events (in queue order). @internal
 */
export interface WriteBatch {
  readonly runs: readonly RunRow[];
  readonly finishes: readonly RunFinishRow[];
  readonly operations: readonly LogWrite[];
  readonly events: readonly EventRow[];
}

/** @internal */
export function toBatch(writes: readonly StoreWrite[]): WriteBatch {
  const runs = new Map<string, RunRow>();
  const finishes = new Map<string, RunFinishRow>();
  const operations = new Map<string, LogWrite>();
  const events: EventRow[] = [];
  for (const write of writes) {
    switch (write.kind) {
      case 'run':
        runs.set(write.row.runId, write.row);
        break;
      case 'finish':
        finishes.set(write.row.runId, write.row);
        break;
      case 'operation': {
        const key = `${write.log.runId}\u0000${write.log.operationId}`;
        operations.delete(key); // re-inserted last: records keep the order of their final write
        operations.set(key, write.log);
        break;
      }
      case 'events':
        for (const row of write.rows) events.push(row);
        break;
    }
  }
  return { runs: [...runs.values()], finishes: [...finishes.values()], operations: [...operations.values()], events };
}

/** What a write is, for a failure message. @internal */
export function describeWrite(write: StoreWrite): string {
  switch (write.kind) {
    case 'run':
      return `the start of run '${write.row.runId}'`;
    case 'finish':
      return `the end of run '${write.row.runId}'`;
    case 'operation':
      return `operation '${write.log.operationId}' of run '${write.log.runId}'`;
    case 'events':
      return `${write.rows.length === 1 ? '1 event' : `${write.rows.length} events`} of run '${write.rows[0]?.runId ?? ''}'`;
  }
}

/** The run id a write belongs to. @internal */
export function runOf(write: StoreWrite): string {
  return write.kind === 'events' ? (write.rows[0]?.runId ?? '') : write.kind === 'operation' ? write.log.runId : write.row.runId;
}

/** @internal */
export function runStartWrite(run: RunStart): StoreWrite {
  const problems: string[] = [];
  requireId(problems, 'runId', run.runId);
  requireId(problems, 'workflow', run.workflow);
  requireId(problems, 'definitionHash', run.definitionHash);
  const startedAt = time(problems, 'startedAt', run.startedAt, false)!;
  optionalText(problems, 'resumedFrom', run.resumedFrom);
  optionalText(problems, 'codecFormat', run.codecFormat);
  if (run.variables === null || typeof run.variables !== 'object' || Array.isArray(run.variables)) problems.push('variables must be an object of JSON values');
  const variables = json(problems, 'variables', run.variables);
  fail(`run start of '${String(run.runId)}'`, problems);
  return {
    kind: 'run',
    row: {
      runId: run.runId,
      workflow: run.workflow,
      definitionHash: run.definitionHash,
      variables: variables!,
      status: 'running',
      startedAt,
      finishedAt: null,
      error: null,
      reason: null,
      resumedFrom: run.resumedFrom ?? null,
      codecFormat: run.codecFormat ?? null,
    },
  };
}

/** @internal */
export function runFinishWrite(runId: string, finish: RunFinish): StoreWrite {
  const problems: string[] = [];
  requireId(problems, 'runId', runId);
  if (!FINISHED_RUN_STATUSES.has(finish.status)) problems.push(`status ${JSON.stringify(finish.status)} is not one of succeeded, failed, cancelled`);
  const finishedAt = time(problems, 'finishedAt', finish.finishedAt, false)!;
  optionalText(problems, 'reason', finish.reason);
  const error = finish.error === undefined ? null : json(problems, 'error', finish.error);
  fail(`run end of '${String(runId)}'`, problems);
  return { kind: 'finish', row: { runId, status: finish.status, finishedAt, error: error ?? null, reason: finish.reason ?? null } };
}

/** @internal */
export function operationWrite(runId: string, record: OperationRecordInput): StoreWrite {
  const problems: string[] = [];
  requireId(problems, 'runId', runId);
  requireId(problems, 'operationId', record.operationId);
  if (!OPERATION_STATUSES.has(record.status)) problems.push(`status ${JSON.stringify(record.status)} is not one of ${[...OPERATION_STATUSES].join(', ')}`);
  if (!Number.isSafeInteger(record.attempts) || record.attempts < 0) problems.push(`attempts must be a whole number, 0 or more (got ${String(record.attempts)})`);
  const startedAt = time(problems, 'startedAt', record.startedAt, true);
  const finishedAt = time(problems, 'finishedAt', record.finishedAt, true);
  optionalText(problems, 'reason', record.reason);
  optionalText(problems, 'cacheKey', record.cacheKey);
  optionalText(problems, 'restoredFrom', record.restoredFrom);
  if (record.cacheable !== undefined && typeof record.cacheable !== 'boolean') problems.push(`cacheable must be a boolean when given (got ${typeof record.cacheable})`);
  const error = record.error === undefined ? undefined : json(problems, 'error', record.error);
  const blobs: string[] = [];
  if (record.outputs !== undefined) {
    if (record.outputs === null || typeof record.outputs !== 'object') problems.push('outputs must be an object of output refs by port');
    else {
      for (const [port, ref] of Object.entries(record.outputs)) {
        const problem = outputRefProblem(port, ref);
        if (problem !== undefined) problems.push(problem);
        else if (!isInlineOutputRef(ref)) blobs.push(ref.blob);
      }
    }
  }
  fail(`operation record '${String(record.operationId)}' of run '${String(runId)}'`, problems);
  const text = loggedJson(record, startedAt ?? null, finishedAt ?? null, error);
  const cacheable = record.cacheable === true && record.status === 'succeeded' && record.cacheKey !== undefined;
  return {
    kind: 'operation',
    log: { runId, operationId: record.operationId, json: text, blobs, ...(cacheable && { cache: { key: record.cacheKey!, finishedAt: finishedAt ?? null } }) },
  };
}

/** @internal */
export function eventsWrite(runId: string, events: readonly JournalEventInput[]): StoreWrite {
  const problems: string[] = [];
  requireId(problems, 'runId', runId);
  const rows: EventRow[] = [];
  events.forEach((event, i) => {
    if (typeof event?.type !== 'string' || event.type === '') problems.push(`events[${i}].type must be a non-empty string`);
    const payload = json(problems, `events[${i}].payload`, event?.payload);
    if (payload !== undefined) rows.push({ runId, type: event.type, payload });
  });
  fail(`events of run '${String(runId)}'`, problems);
  return { kind: 'events', rows };
}

/** A problem unless `value` is a non-empty string. @internal */
export function requireId(problems: string[], name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') problems.push(`${name} must be a non-empty string (got ${JSON.stringify(value) ?? String(value)})`);
}

function optionalText(problems: string[], name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'string') problems.push(`${name} must be a string when given (got ${typeof value})`);
}

/** Epoch ms rounded to the millisecond; `undefined` for null (when allowed) or after a problem. @internal */
export function time(problems: string[], name: string, value: unknown, nullable: boolean): number | undefined {
  if (value === null && nullable) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    problems.push(`${name} must be epoch milliseconds${nullable ? ' or null' : ''} (got ${String(value)})`);
    return undefined;
  }
  return Math.round(value);
}

/** `value` as JSON text, or a problem. @internal */
export function json(problems: string[], name: string, value: unknown): string | undefined {
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text;
    problems.push(`${name} is not JSON data (got ${typeof value})`);
  } catch (error) {
    problems.push(`${name} is not JSON data: ${error instanceof Error ? error.message : String(error)}`);
  }
  return undefined;
}

function fail(where: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new InvalidOptionsError(where, problems);
}
