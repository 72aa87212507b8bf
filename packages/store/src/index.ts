/**
 * @portflow/store: where Portflow runs outlive the process. Runs, operation
 * records with output refs, and event journals in SQLite or PostgreSQL;
 * large outputs in a checksummed blob directory.
 * @packageDocumentation
 */
export { openRunStore, type OpenRunStoreOptions } from './open-run-store';
export { checkpointsIn } from './store-checkpoints';
export { DEFAULT_STORE_LOCATION } from './store-location';
export { DEFAULT_POSTGRES_SCHEMA } from './postgres/postgres-location';
export type { RunStore, CacheLookupOptions, PruneOptions } from './run-store';
export {
  STORED_RUN_STATUSES,
  type StoredRunStatus,
  type RunStart,
  type RunFinish,
  type RunRecord,
  type OperationRecordInput,
  type RecordedOperation,
  type JournalEventInput,
  type JournalEvent,
  type RunQuery,
  type RunPage,
  type EventQuery,
  type PruneResult,
} from './records';
export {
  EXECUTION_STATUSES,
  FINISHED_EXECUTION_STATUSES,
  type ExecutionStatus,
  type ExecutionInput,
  type ExecutionUpdate,
  type ExecutionRecord,
  type ExecutionCreated,
  type ExecutionQuery,
  type ExecutionPage,
} from './execution-records';
export type { GroupCommitOptions } from './group-commit';
export { STORE_SCHEMA_VERSION } from './migrations';
export type { BlobStore, BlobInfo } from './blob-store';
export { DirectoryBlobStore } from './directory-blob-store';
export { isInlineOutputRef, type OutputRef, type InlineOutputRef, type BlobOutputRef } from './output-ref';
export { OutputWriter, readOutput, DEFAULT_INLINE_LIMIT, type OutputWriterOptions } from './output-writer';
export {
  StoreError,
  StoreLocationError,
  StoreUnavailableError,
  StoreSchemaError,
  StoreWriteError,
  StoreClosedError,
  BlobMissingError,
  BlobCorruptError,
  ExecutionTransitionError,
  ExecutionNotFoundError,
  type StoreErrorKind,
  type WriteFailure,
} from './errors';
