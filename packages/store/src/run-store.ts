import type { BlobStore } from './blob-store';
import type { ExecutionCreated, ExecutionInput, ExecutionPage, ExecutionQuery, ExecutionRecord, ExecutionUpdate } from './execution-records';
import type { OutputRef } from './output-ref';
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
} from './records';

/** Options of `RunStore.findByCacheKey`. */
export interface CacheLookupOptions {
  /** Only records that finished at or after this time (epoch ms, or a Date). */
  readonly notBefore?: number | Date;
}

/** Options of `RunStore.prune`. */
export interface PruneOptions {
  /** Remove runs that finished (or, if unfinished, started) before this time: epoch ms, or a Date. */
  readonly olderThan: number | Date;
}

/**
 * Where runs are recorded so they outlive the process: each run, the
 * record of each of its operations (with output refs), and its event
 * journal. Backed by SQLite or PostgreSQL (see `openRunStore`); outputs over
 * the inline limit live in `blobs`.
 *
 * Writes of operation records and events are queued and committed in
 * groups (one transaction every few milliseconds or every few hundred
 * writes): `recordOperation` and `appendEvents` return at once, `flush()`
 * waits for what was queued and reports writes that failed. Reads see
 * committed data; call `flush()` first to read your own queued writes.
 * One run is written by one store at a time; any number of stores (and
 * processes) may write different runs to one database.
 *
 * @example
 * ```ts
 * await using store = await openRunStore('.portflow/store.db');
 * await store.startRun({ runId, workflow: 'sales', definitionHash, variables: { region: 'EU' }, startedAt: Date.now() });
 * const outputs = { total: await store.writeOutput(v8Codec.encode(total)) };
 * store.recordOperation(runId, { operationId: 'sum', status: 'succeeded', attempts: 1, startedAt, finishedAt: Date.now(), outputs });
 * store.appendEvents(runId, [{ type: 'operation:completed', payload: { operationId: 'sum' } }]);
 * await store.finishRun(runId, { status: 'succeeded', finishedAt: Date.now() });
 * ```
 */
export interface RunStore extends AsyncDisposable {
  /** Where the store is: a file path, or a PostgreSQL URL without its password (and the schema). */
  readonly location: string;
  /** Where outputs over the inline limit are kept. */
  readonly blobs: BlobStore;
  /** Encoded outputs of at most this many bytes are stored inline (see `writeOutput`). */
  readonly inlineLimit: number;

  /** Records a run as `running`, and waits until it is committed (with everything queued before it). */
  startRun(run: RunStart): Promise<void>;
  /** Records how a run ended, and waits until it is committed (with everything queued before it). */
  finishRun(runId: string, finish: RunFinish): Promise<void>;
  /**
   * Queues an operation's record (replacing an earlier one of the same
   * operation in the run). Throws an `InvalidOptionsError` at once when the
   * record is malformed; database failures surface on `flush()`.
   */
  recordOperation(runId: string, record: OperationRecordInput): void;
  /** Queues events for the run's journal; they are numbered in the order appended. */
  appendEvents(runId: string, events: readonly JournalEventInput[]): void;
  /** Waits until every queued write is committed; rejects with a `StoreWriteError` naming the writes that failed. */
  flush(): Promise<void>;
  /** Flushes, then releases the database (and its connections). Idempotent. */
  close(): Promise<void>;

  /** The run `runId`, or undefined. */
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Runs, newest first (by start time), filtered, a page at a time. */
  listRuns(query?: RunQuery): Promise<RunPage>;
  /** The newest run of `workflow` still `running` (unfinished, or killed before it could finish), or undefined. */
  latestUnfinished(workflow: string): Promise<RunRecord | undefined>;
  /** The operation records of a run, ordered by operation id. */
  operations(runId: string): Promise<RecordedOperation[]>;
  /** The most recent succeeded operation record with this cache key, from any run, or undefined. */
  findByCacheKey(cacheKey: string, options?: CacheLookupOptions): Promise<RecordedOperation | undefined>;
  /** The run's journal in order, optionally after a sequence number. */
  events(runId: string, query?: EventQuery): Promise<JournalEvent[]>;
  /**
   * Removes runs older than `olderThan` with their records and journals,
   * and deletes the blobs that only they referenced. Flushes first.
   */
  prune(options: PruneOptions): Promise<PruneResult>;

  /**
   * Records a submitted execution as `queued`, at the next position in
   * submission order, and resolves once it is committed. With an
   * `idempotencyKey` that its workflow already used, creates nothing and
   * returns the existing execution (`created: false`). Throws an
   * `InvalidOptionsError` naming every problem of a malformed input.
   */
  createExecution(input: ExecutionInput): Promise<ExecutionCreated>;
  /**
   * Changes an execution's status (and times, run ids, error), checked and
   * committed in one transaction: an `ExecutionTransitionError` when the
   * change is not allowed (a finished execution never changes again), an
   * `ExecutionNotFoundError` when there is no such execution.
   */
  updateExecution(executionId: string, update: ExecutionUpdate): Promise<ExecutionRecord>;
  /** The execution `executionId`, or undefined. */
  getExecution(executionId: string): Promise<ExecutionRecord | undefined>;
  /** Executions, newest (last submitted) first, filtered, a page at a time. */
  listExecutions(query?: ExecutionQuery): Promise<ExecutionPage>;
  /** Every `queued` and `running` execution, in submission order: what a restarted run manager picks up. */
  unfinishedExecutions(): Promise<ExecutionRecord[]>;

  /** Stores an output's encoded bytes: inline when at or under the inline limit, else in `blobs`. */
  writeOutput(bytes: Uint8Array): Promise<OutputRef>;
  /** The encoded bytes of an output ref, verified (`BlobCorruptError` when damaged). */
  readOutput(ref: OutputRef): Promise<Uint8Array>;
}
