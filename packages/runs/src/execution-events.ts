import type { EngineEvent, ErrorSummary } from '@portflow/core';
import type { ExecutionStatus } from '@portflow/store';

/** An execution changed status: submitted (`queued`), started or resumed (`running`), or ended. */
export interface ExecutionStateChanged {
  /** The discriminant. */
  readonly type: 'ExecutionStateChanged';
  /** The execution. */
  readonly executionId: string;
  /** Its workflow. */
  readonly workflow: string;
  /** Its new status. */
  readonly status: ExecutionStatus;
  /** When, epoch ms. */
  readonly timestamp: number;
  /** The engine run, once running. */
  readonly runId?: string;
  /** Why it failed, when it did. */
  readonly error?: ErrorSummary;
}

/** An event of an execution's engine run, as the engine emitted it. */
export interface ExecutionEngineEvent {
  /** The discriminant. */
  readonly type: 'ExecutionEngineEvent';
  /** The execution. */
  readonly executionId: string;
  /** Its workflow. */
  readonly workflow: string;
  /** The engine's event (its `runId` is the execution's current run). */
  readonly event: EngineEvent;
}

/**
 * What `RunManager.events$` emits, discriminated on `type`: plain data, so
 * it can be sent as Server-Sent Events as is.
 */
export type ExecutionEvent = ExecutionStateChanged | ExecutionEngineEvent;
