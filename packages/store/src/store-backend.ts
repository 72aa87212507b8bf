import type { StoredRunStatus } from './records';
import type { OperationRow, OutputRow, RunRow, StoredEventRow } from './store-rows';
import type { WriteBatch } from './store-writes';

/** Which runs a backend lists. @internal */
export interface RunFilter {
  readonly workflow?: string;
  readonly statuses?: readonly StoredRunStatus[];
  readonly limit: number;
  /** Only runs that sort after this one (newest first). */
  readonly before?: { readonly startedAt: number; readonly runId: string };
}

/** Operation rows and the output rows that belong to them. @internal */
export interface OperationRows {
  readonly operations: readonly OperationRow[];
  readonly outputs: readonly OutputRow[];
}

/** What `prune` removed from the database. @internal */
export interface PrunedRows {
  readonly runs: readonly string[];
  /** Blobs that removed outputs referenced and no remaining output does. */
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
  operations(runId: string): Promise<OperationRows>;
  /** The newest succeeded record with `cacheKey` that finished at or after `notBefore`. */
  findByCacheKey(cacheKey: string, notBefore: number | undefined): Promise<OperationRows>;
  events(runId: string, afterSeq: number, limit: number | undefined): Promise<StoredEventRow[]>;
  /** Removes runs whose end (or start, if unfinished) is before `olderThan`, in one transaction. */
  prune(olderThan: number): Promise<PrunedRows>;
  close(): Promise<void>;
}

/** The message of a backend's "no such run" failure for `finishRun`. @internal */
export function unknownRunMessage(runId: string): string {
  return `run '${runId}' is not in the store; record it with startRun() before finishRun()`;
}
