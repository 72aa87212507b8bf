import type { ErrorSummary, JsonValue, OperationStatus, RunStatus } from '@portflow/core';
import type { OutputRef } from './output-ref';

/** A run's status in the store: `running` until it finishes, then how it ended. */
export type StoredRunStatus = 'running' | RunStatus;

/** Every {@link StoredRunStatus}. */
export const STORED_RUN_STATUSES: readonly StoredRunStatus[] = Object.freeze(['running', 'succeeded', 'failed', 'cancelled']);

/**
 * What `startRun` records about a run as it begins. Times are epoch
 * milliseconds, stored to the millisecond.
 */
export interface RunStart {
  /** Unique id of the run. */
  readonly runId: string;
  /** The workflow or graph name; runs are listed and resumed by it. */
  readonly workflow: string;
  /** A hash of the graph definition, so tools can tell whether it changed since. */
  readonly definitionHash: string;
  /** The run's variables (workflow variables, graph inputs given as data). */
  readonly variables: Readonly<Record<string, JsonValue>>;
  /** When it started, epoch ms. */
  readonly startedAt: number;
  /** The run this one resumes, if any. */
  readonly resumedFrom?: string;
  /** The value codec's format (`v8/1`) that encoded this run's outputs. */
  readonly codecFormat?: string;
}

/** What `finishRun` records when a run ends. */
export interface RunFinish {
  /** How it ended. */
  readonly status: RunStatus;
  /** When it ended, epoch ms. */
  readonly finishedAt: number;
  /** Why it failed, when it did. */
  readonly error?: ErrorSummary;
  /** Why it was cancelled, or any other note on how it ended. */
  readonly reason?: string;
}

/**
 * A run as the store holds it: plain data.
 *
 * @example
 * ```ts
 * const run = await store.getRun('r-2024-06-01');
 * if (run?.status === 'running') console.log(`unfinished since ${new Date(run.startedAt).toISOString()}`);
 * ```
 */
export interface RunRecord {
  /** Unique id of the run. */
  readonly runId: string;
  /** The workflow or graph name. */
  readonly workflow: string;
  /** A hash of the graph definition it ran. */
  readonly definitionHash: string;
  /** Its variables, as recorded. */
  readonly variables: Readonly<Record<string, JsonValue>>;
  /** `running` until `finishRun` records how it ended. */
  readonly status: StoredRunStatus;
  /** When it started, epoch ms. */
  readonly startedAt: number;
  /** When it finished, or null while `running`. */
  readonly finishedAt: number | null;
  /** Why it failed, when it did. */
  readonly error?: ErrorSummary;
  /** A note on how it ended (why it was cancelled, say). */
  readonly reason?: string;
  /** The run it resumed, if any. */
  readonly resumedFrom?: string;
  /** The value codec's format of its outputs, when recorded. */
  readonly codecFormat?: string;
}

/**
 * What `recordOperation` records about one operation of a run; recording
 * the same operation again replaces the record (outputs included).
 */
export interface OperationRecordInput {
  /** The operation's id in its graph. */
  readonly operationId: string;
  /** Where it is, or how it ended. */
  readonly status: OperationStatus;
  /** Attempts started (0 if it never ran). */
  readonly attempts: number;
  /** Epoch ms of the first attempt's start, or null. */
  readonly startedAt: number | null;
  /** Epoch ms when it reached its final state, or null. */
  readonly finishedAt: number | null;
  /** Its last error, when it failed. */
  readonly error?: ErrorSummary;
  /** Why it was skipped or cancelled, or why its outputs were not stored. */
  readonly reason?: string;
  /** Content-based cache key: equal keys mean the same computation on the same data. */
  readonly cacheKey?: string;
  /** Each output port's stored value (see `OutputWriter`). */
  readonly outputs?: Readonly<Record<string, OutputRef>>;
  /** The run whose result was restored instead of running this operation, when it was. */
  readonly restoredFrom?: string;
  /**
   * Whether `findByCacheKey` may find this record from other runs (it must
   * have succeeded and have a cache key): set for operations with the
   * `cache` setting. Every record serves a resume of its own run.
   */
  readonly cacheable?: boolean;
}

/**
 * An operation's record as the store holds it: plain data, outputs as
 * refs (read their bytes with `store.readOutput(ref)`).
 */
export interface RecordedOperation extends Omit<OperationRecordInput, 'outputs' | 'cacheable'> {
  /** The run it belongs to. */
  readonly runId: string;
  /** Output refs by port; empty when none were stored. */
  readonly outputs: Readonly<Record<string, OutputRef>>;
  /** Whether the result was restored from an earlier run instead of computed. */
  readonly restored: boolean;
}

/** An event to append to a run's journal: its type and JSON payload. */
export interface JournalEventInput {
  /** The event type, e.g. `operation:completed`. */
  readonly type: string;
  /** Its data, as JSON. */
  readonly payload: JsonValue;
}

/** An event in a run's journal, numbered in the order it was appended (from 1). */
export interface JournalEvent {
  /** Its number in the run's journal: 1, 2, ... in the order appended. */
  readonly seq: number;
  /** The event type. */
  readonly type: string;
  /** Its data, as JSON. */
  readonly payload: JsonValue;
}

/** Which runs `listRuns` returns. */
export interface RunQuery {
  /** Only runs of this workflow. */
  readonly workflow?: string;
  /** Only runs in this status (or these). */
  readonly status?: StoredRunStatus | readonly StoredRunStatus[];
  /** At most this many (1 to 1000); default 50. */
  readonly limit?: number;
  /** The `next` cursor of a previous page: continue after its last run. */
  readonly before?: string;
}

/** One page of runs, newest first, and the cursor to the next page. */
export interface RunPage {
  /** The runs of this page, newest first. */
  readonly runs: readonly RunRecord[];
  /** Pass as `before` to get the next page; absent on the last page. */
  readonly next?: string;
}

/** Which part of a run's journal `events` returns. */
export interface EventQuery {
  /** Only events after this sequence number (default 0: from the start). */
  readonly afterSeq?: number;
  /** At most this many. */
  readonly limit?: number;
}

/** What `prune` removed. */
export interface PruneResult {
  /** The runs removed, with their operation records and journals. */
  readonly runs: readonly string[];
  /** The blobs deleted: referenced by removed runs and by no run left. */
  readonly blobs: readonly string[];
}
