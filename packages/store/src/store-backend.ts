import type { ExecutionStatus } from './execution-records';
import type { ExecutionRow, NewExecutionRow } from './execution-rows';
import type { StoredRunStatus } from './records';
import type { StoredJournalRow } from './journal-rows';
import type { RunRow } from './store-rows';
import type { WriteBatch } from './store-writes';

/** Which runs a backend lists. @internal */
export interface RunFilter {
  readonly workflow?: string;
  readonly statuses?: readonly StoredRunStatus[];
  readonly limit: number;
  /** Only runs that sort after this one (newest first). */
  readonly before?: { readonly startedAt: number; readonly runId: string };
}

/** A record found in the cache index. @internal */
export interface CacheEntry {
  readonly runId: string;
  /** The record as logged (JSON). */
  readonly record: string;
}

/** What `prune` removed from the database. @internal */
export interface PrunedRows {
  readonly runs: readonly string[];
  /** Blobs that removed runs referenced and no remaining run does. */
  readonly unreferencedBlobs: readonly string[];
}

/**
 * One database behind a `RunStore`: SQL in, rows out. Opened (and migrated)
 * by its factory; the store around it does validation, queuing and mapping
 * rows to records. @internal
 */
export interface StoreBackend {
  /** Applies a batch in one transaction; throws (and applies nothing) on failure. */
  commit(batch: WriteBatch): Promise<void>;
  getRun(runId: string): Promise<RunRow | undefined>;
  listRuns(filter: RunFilter): Promise<RunRow[]>;
  latestUnfinished(workflow: string): Promise<RunRow | undefined>;
  /** The run's operation-log rows, in append order. */
  operationLog(runId: string): Promise<{ readonly records: string }[]>;
  /** The newest cache-index entry with `cacheKey` that finished at or after `notBefore`. */
  findByCacheKey(cacheKey: string, notBefore: number | undefined): Promise<CacheEntry | undefined>;
  /**
   * The journal rows of `runId` holding events after `afterSeq`, by `seq`:
   * the row holding event `afterSeq + 1` first, at most `limit` rows (each
   * holds one event or more).
   */
  events(runId: string, afterSeq: number, limit: number | undefined): Promise<StoredJournalRow[]>;
  /** Removes runs whose end (or start, if unfinished) is before `olderThan`, in one transaction. */
  prune(olderThan: number): Promise<PrunedRows>;
  /**
   * Inserts a new execution at the next position, in one committed
   * transaction; when its workflow already has an execution with the same
   * idempotency key, returns that one instead and inserts nothing.
   */
  createExecution(row: NewExecutionRow): Promise<{ readonly row: ExecutionRow; readonly created: boolean }>;
  /** Reads the execution, applies `change` (which may throw) and writes the result, in one transaction; undefined when there is no such execution. */
  updateExecution(executionId: string, change: (row: ExecutionRow) => ExecutionRow): Promise<ExecutionRow | undefined>;
  getExecution(executionId: string): Promise<ExecutionRow | undefined>;
  /** Executions by position, newest first. */
  listExecutions(filter: ExecutionFilter): Promise<ExecutionRow[]>;
  /** Queued and running executions, by position (oldest first). */
  unfinishedExecutions(): Promise<ExecutionRow[]>;
  close(): Promise<void>;
}

/** Which executions a backend lists. @internal */
export interface ExecutionFilter {
  readonly workflow?: string;
  readonly statuses?: readonly ExecutionStatus[];
  readonly limit: number;
  /** Only executions before this position. */
  readonly beforePosition?: number;
}

/** The message of a backend's "no such run" failure for `finishRun`. @internal */
export function unknownRunMessage(runId: string): string {
  return `run '${runId}' is not in the store; record it with startRun() before finishRun()`;
}
