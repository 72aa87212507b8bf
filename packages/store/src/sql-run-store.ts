import { InvalidOptionsError } from '@portflow/core';
import type { BlobStore } from './blob-store';
import { ExecutionNotFoundError, StoreClosedError, type WriteFailure } from './errors';
import { EXECUTION_STATUSES, type ExecutionCreated, type ExecutionInput, type ExecutionPage, type ExecutionQuery, type ExecutionRecord, type ExecutionStatus, type ExecutionUpdate } from './execution-records';
import { applyExecutionUpdate, checkExecutionUpdate, executionFromRow, newExecutionRow } from './execution-rows';
import { GroupCommit, type GroupCommitOptions } from './group-commit';
import type { OutputRef } from './output-ref';
import { OutputWriter, readOutput } from './output-writer';
import type {
  EventQuery,
  JournalEvent,
  JournalEventInput,
  OperationRecordInput,
  PruneResult,
  RecordedOperation,
  RunFinish,
  RunPage,
  RunQuery,
  RunRecord,
  RunStart,
  StoredRunStatus,
} from './records';
import { STORED_RUN_STATUSES } from './records';
import { decodeCursor, encodeCursor } from './run-cursor';
import type { CacheLookupOptions, PruneOptions, RunStore } from './run-store';
import type { StoreBackend } from './store-backend';
import { eventsFromRows } from './journal-rows';
import { operationFromCacheEntry, operationsFromLog } from './operation-log';
import { runFromRow } from './store-rows';
import { describeWrite, eventsWrite, operationWrite, runFinishWrite, runOf, runStartWrite, toBatch, type StoreWrite } from './store-writes';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;

/** What a {@link SqlRunStore} is built from. @internal */
export interface SqlRunStoreParts {
  readonly location: string;
  readonly backend: StoreBackend;
  readonly blobs: BlobStore;
  readonly inlineLimit?: number;
  readonly groupCommit?: GroupCommitOptions;
}

/**
 * The {@link RunStore} of both backends: validates and serializes writes as
 * they are queued, groups them into transactions, maps rows to records and
 * deletes the blobs `prune` frees. @internal
 */
export class SqlRunStore implements RunStore {
  readonly location: string;
  readonly blobs: BlobStore;
  readonly inlineLimit: number;
  readonly #backend: StoreBackend;
  readonly #writes: GroupCommit<StoreWrite>;
  readonly #outputs: OutputWriter;
  #closed: Promise<void> | undefined;

  constructor(parts: SqlRunStoreParts) {
    this.location = parts.location;
    this.blobs = parts.blobs;
    this.#backend = parts.backend;
    this.#outputs = new OutputWriter(parts.blobs, { inlineLimit: parts.inlineLimit });
    this.inlineLimit = this.#outputs.inlineLimit;
    this.#writes = new GroupCommit(parts.location, (writes) => this.#backend.commit(toBatch(writes)), failure, parts.groupCommit);
  }

  async startRun(run: RunStart): Promise<void> {
    this.#push('record a run start', () => runStartWrite(run));
    await this.#writes.flush();
  }

  async finishRun(runId: string, finish: RunFinish): Promise<void> {
    this.#push('record a run end', () => runFinishWrite(runId, finish));
    await this.#writes.flush();
  }

  recordOperation(runId: string, record: OperationRecordInput): void {
    this.#push('record an operation', () => operationWrite(runId, record));
  }

  appendEvents(runId: string, events: readonly JournalEventInput[]): void {
    this.#open('append events');
    if (events.length > 0) this.#writes.push(eventsWrite(runId, events));
  }

  flush(): Promise<void> {
    return this.#writes.flush();
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      try {
        await this.#writes.flush();
      } finally {
        await this.#backend.close();
      }
    })();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    this.#open('read a run');
    const row = await this.#backend.getRun(runId);
    return row === undefined ? undefined : runFromRow(row);
  }

  async listRuns(query: RunQuery = {}): Promise<RunPage> {
    this.#open('list runs');
    const limit = query.limit ?? DEFAULT_PAGE;
    const problems: string[] = [];
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) problems.push(`limit must be a whole number from 1 to ${MAX_PAGE} (got ${String(limit)})`);
    const statuses: readonly StoredRunStatus[] | undefined = query.status === undefined ? undefined : typeof query.status === 'string' ? [query.status] : query.status;
    for (const status of statuses ?? []) {
      if (!STORED_RUN_STATUSES.includes(status)) problems.push(`status ${JSON.stringify(status)} is not one of ${STORED_RUN_STATUSES.join(', ')}`);
    }
    if (problems.length > 0) throw new InvalidOptionsError('listRuns query', problems);
    const before = query.before === undefined ? undefined : decodeCursor(query.before);
    // One more than asked tells whether there is a next page.
    const rows = await this.#backend.listRuns({ workflow: query.workflow, statuses, limit: limit + 1, before });
    const runs = rows.slice(0, limit).map(runFromRow);
    const last = runs[runs.length - 1];
    return rows.length > limit && last !== undefined ? { runs, next: encodeCursor(last) } : { runs };
  }

  async latestUnfinished(workflow: string): Promise<RunRecord | undefined> {
    this.#open('find an unfinished run');
    const row = await this.#backend.latestUnfinished(workflow);
    return row === undefined ? undefined : runFromRow(row);
  }

  async operations(runId: string): Promise<RecordedOperation[]> {
    this.#open('read operation records');
    return operationsFromLog(runId, await this.#backend.operationLog(runId));
  }

  async findByCacheKey(cacheKey: string, options: CacheLookupOptions = {}): Promise<RecordedOperation | undefined> {
    this.#open('look up a cache key');
    const notBefore = options.notBefore instanceof Date ? options.notBefore.getTime() : options.notBefore;
    if (notBefore !== undefined && !Number.isFinite(notBefore)) throw new InvalidOptionsError('findByCacheKey options', [`notBefore must be epoch milliseconds or a Date (got ${String(notBefore)})`]);
    const found = await this.#backend.findByCacheKey(cacheKey, notBefore);
    return found === undefined ? undefined : operationFromCacheEntry(found.runId, found.record);
  }

  async events(runId: string, query: EventQuery = {}): Promise<JournalEvent[]> {
    this.#open('read a journal');
    const { afterSeq = 0, limit } = query;
    const problems: string[] = [];
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) problems.push(`afterSeq must be a whole number, 0 or more (got ${String(afterSeq)})`);
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) problems.push(`limit must be a whole number, 1 or more (got ${String(limit)})`);
    if (problems.length > 0) throw new InvalidOptionsError('events query', problems);
    return eventsFromRows(await this.#backend.events(runId, afterSeq, limit), afterSeq, limit);
  }

  async prune(options: PruneOptions): Promise<PruneResult> {
    this.#open('prune');
    const olderThan = options.olderThan instanceof Date ? options.olderThan.getTime() : options.olderThan;
    if (typeof olderThan !== 'number' || !Number.isFinite(olderThan)) throw new InvalidOptionsError('prune options', [`olderThan must be epoch milliseconds or a Date (got ${String(olderThan)})`]);
    await this.#writes.flush();
    const pruned = await this.#backend.prune(olderThan);
    const blobs: string[] = [];
    for (const hash of pruned.unreferencedBlobs) if (await this.blobs.delete(hash)) blobs.push(hash);
    return { runs: pruned.runs, blobs };
  }

  async createExecution(input: ExecutionInput): Promise<ExecutionCreated> {
    this.#open('create an execution');
    const { row, created } = await this.#backend.createExecution(newExecutionRow(input));
    return { execution: executionFromRow(row), created };
  }

  async updateExecution(executionId: string, update: ExecutionUpdate): Promise<ExecutionRecord> {
    this.#open('update an execution');
    checkExecutionUpdate(executionId, update);
    const row = await this.#backend.updateExecution(executionId, (current) => applyExecutionUpdate(current, update, this.location));
    if (row === undefined) throw new ExecutionNotFoundError(this.location, executionId);
    return executionFromRow(row);
  }

  async getExecution(executionId: string): Promise<ExecutionRecord | undefined> {
    this.#open('read an execution');
    const row = await this.#backend.getExecution(executionId);
    return row === undefined ? undefined : executionFromRow(row);
  }

  async listExecutions(query: ExecutionQuery = {}): Promise<ExecutionPage> {
    this.#open('list executions');
    const limit = query.limit ?? DEFAULT_PAGE;
    const problems: string[] = [];
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) problems.push(`limit must be a whole number from 1 to ${MAX_PAGE} (got ${String(limit)})`);
    const statuses: readonly ExecutionStatus[] | undefined = query.status === undefined ? undefined : typeof query.status === 'string' ? [query.status] : query.status;
    for (const status of statuses ?? []) {
      if (!EXECUTION_STATUSES.includes(status)) problems.push(`status ${JSON.stringify(status)} is not one of ${EXECUTION_STATUSES.join(', ')}`);
    }
    let beforePosition: number | undefined;
    if (query.before !== undefined) {
      const decoded = /^p(\d{1,15})$/.exec(query.before);
      if (decoded === null) problems.push(`before ${JSON.stringify(query.before)} is not a cursor; pass the 'next' of a previous page`);
      else beforePosition = Number(decoded[1]);
    }
    if (problems.length > 0) throw new InvalidOptionsError('listExecutions query', problems);
    const rows = await this.#backend.listExecutions({ workflow: query.workflow, statuses, limit: limit + 1, beforePosition });
    const executions = rows.slice(0, limit).map(executionFromRow);
    const last = executions[executions.length - 1];
    return rows.length > limit && last !== undefined ? { executions, next: `p${last.position}` } : { executions };
  }

  async unfinishedExecutions(): Promise<ExecutionRecord[]> {
    this.#open('list unfinished executions');
    return (await this.#backend.unfinishedExecutions()).map(executionFromRow);
  }

  writeOutput(bytes: Uint8Array): Promise<OutputRef> {
    return this.#outputs.write(bytes);
  }

  readOutput(ref: OutputRef): Promise<Uint8Array> {
    return readOutput(ref, this.blobs);
  }

  #open(action: string): void {
    if (this.#closed !== undefined) throw new StoreClosedError(this.location, action);
  }

  #push(action: string, write: () => StoreWrite): void {
    this.#open(action);
    this.#writes.push(write());
  }
}

/** A failed write, with a hint when the database's message alone would puzzle. */
function failure(write: StoreWrite, error: unknown): WriteFailure {
  let message = error instanceof Error ? error.message : String(error);
  if (/foreign key/i.test(message) && write.kind !== 'run') {
    message += ` (run '${runOf(write)}' is not in the store; record it with startRun() first)`;
  }
  return { write: describeWrite(write), message, error };
}
