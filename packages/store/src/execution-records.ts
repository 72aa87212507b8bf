import type { ErrorSummary, JsonValue } from '@portflow/core';

/**
 * Where an execution is: `queued` until a run manager starts it, `running`
 * while its engine run (or the run resuming it) goes, then how it ended.
 */
export type ExecutionStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Every {@link ExecutionStatus}. */
export const EXECUTION_STATUSES: readonly ExecutionStatus[] = Object.freeze(['queued', 'running', 'succeeded', 'failed', 'cancelled']);

/** The statuses an execution ends in; an execution in one of them never changes again. */
export const FINISHED_EXECUTION_STATUSES: readonly ExecutionStatus[] = Object.freeze(['succeeded', 'failed', 'cancelled']);

/**
 * What `createExecution` records about a submitted execution. Times are
 * epoch milliseconds.
 */
export interface ExecutionInput {
  /** Unique id of the execution. */
  readonly executionId: string;
  /** The workflow it runs, by name. */
  readonly workflow: string;
  /** Its parameters (the workflow's variables), as JSON. */
  readonly params: Readonly<Record<string, JsonValue>>;
  /** When it was submitted, epoch ms. */
  readonly submittedAt: number;
  /**
   * A key that makes submitting again safe: a second execution of the same
   * workflow with the same key is not created, the first one is returned.
   */
  readonly idempotencyKey?: string;
}

/**
 * A change to an execution (`updateExecution`). The status must be a legal
 * step: `queued` to `running`, `failed` or `cancelled`; `running` to
 * `running` (a resumed run) or to how it ended. A finished execution never
 * changes again.
 */
export interface ExecutionUpdate {
  /** The new status. */
  readonly status: ExecutionStatus;
  /** When it started running, epoch ms (kept once set). */
  readonly startedAt?: number;
  /** When it ended, epoch ms (required with a finished status). */
  readonly finishedAt?: number;
  /** An engine run this execution started (the first one, or one resuming it); appended to `runIds`. */
  readonly runId?: string;
  /** Why it failed. */
  readonly error?: ErrorSummary;
  /** Why it was cancelled, or any other note on how it ended. */
  readonly reason?: string;
}

/**
 * An execution as the store holds it: plain data.
 *
 * @example
 * ```ts
 * const execution = await store.getExecution(id);
 * if (execution?.status === 'failed') console.error(execution.error?.message);
 * ```
 */
export interface ExecutionRecord {
  /** Unique id of the execution. */
  readonly executionId: string;
  /** The workflow it runs. */
  readonly workflow: string;
  /** Its parameters. */
  readonly params: Readonly<Record<string, JsonValue>>;
  /** Where it is, or how it ended. */
  readonly status: ExecutionStatus;
  /** Its place in submission order: 1, 2, ... across the store. */
  readonly position: number;
  /** When it was submitted, epoch ms. */
  readonly submittedAt: number;
  /** When it started running, or null. */
  readonly startedAt: number | null;
  /** When it ended, or null. */
  readonly finishedAt: number | null;
  /** The engine runs it used, oldest first: the first run, then each run resuming it. */
  readonly runIds: readonly string[];
  /** Why it failed, when it did. */
  readonly error?: ErrorSummary;
  /** A note on how it ended (why it was cancelled, say). */
  readonly reason?: string;
  /** The idempotency key it was submitted with, if any. */
  readonly idempotencyKey?: string;
}

/** What `createExecution` did: the execution, and whether this call created it (false: its idempotency key found an existing one). */
export interface ExecutionCreated {
  /** The execution as stored. */
  readonly execution: ExecutionRecord;
  /** False when an execution with the same workflow and idempotency key already existed; it is returned unchanged. */
  readonly created: boolean;
}

/** Which executions `listExecutions` returns. */
export interface ExecutionQuery {
  /** Only executions of this workflow. */
  readonly workflow?: string;
  /** Only executions in this status (or these). */
  readonly status?: ExecutionStatus | readonly ExecutionStatus[];
  /** At most this many (1 to 1000); default 50. */
  readonly limit?: number;
  /** The `next` cursor of a previous page: continue after its last execution. */
  readonly before?: string;
}

/** One page of executions, newest (last submitted) first, and the cursor to the next page. */
export interface ExecutionPage {
  /** The executions of this page, newest first. */
  readonly executions: readonly ExecutionRecord[];
  /** Pass as `before` to get the next page; absent on the last page. */
  readonly next?: string;
}
