/**
 * What crosses between the main thread and a worker. Each attempt is one
 * piscina task: the task carries the operation's ref and its inputs, and the
 * task's return value is the outcome. Progress, logs and aborts travel on
 * one long-lived port per worker thread (its {@link ThreadHello}), tagged
 * with the task's id. Everything here must load without `@portflow/core` at
 * run time: the worker entry imports it.
 * @internal
 */
import type { MessagePort } from 'node:worker_threads';
import type { LogLevel, OperationRef } from '@portflow/core';
import type { SerializedError } from './serialized-error';
import type { BufferTags } from './values';

/** The task piscina hands to the worker entry: one attempt of one operation. */
export interface WorkerTask {
  /** Routes the attempt's progress, logs and abort on its thread's port; unique among the executor's tasks in flight. */
  readonly id: number;
  /**
   * The operation as JSON (`op.toRef(location)`): the worker resolves it with
   * a `ModuleResolver` rooted at `root`, which runs the class's constructor.
   * Its module specifier is a package name or a path relative to `root`, never absolute.
   */
  readonly ref: OperationRef;
  /** The executor's root: relative module specifiers resolve against it, and may not leave it. */
  readonly root: string;
  readonly runId: string;
  readonly operationId: string;
  readonly attempt: number;
  readonly inputs: Record<string, unknown>;
  // The fields below are left out when they hold nothing: every field costs on each crossing.
  readonly inputBuffers?: BufferTags;
  /** The attempt's `context.idempotencyKey`, when it is not `runId/operationId` (a resumed run's). */
  readonly idempotencyKey?: string;
  /** The run's variables that could be cloned. */
  readonly variables?: Record<string, unknown>;
  /** Run variables that could not be cloned; reading one in the worker throws. */
  readonly missingVariables?: readonly string[];
  /** Move the outputs' ArrayBuffers back instead of copying them. */
  readonly transferOutputs?: true;
  /**
   * Set by the main thread when the attempt's signal aborts while the task
   * waits in piscina's queue (the task is read only when piscina posts it):
   * the thread that gets it returns at once, without running the operation.
   */
  cancelled?: boolean;
}

/** What a task returns: the attempt's outcome, and how to collect what the attempt sent beside it. */
export type TaskResult = (
  | { readonly ok: true; readonly outputs: unknown; readonly buffers?: BufferTags }
  | {
      readonly ok: false;
      readonly error: SerializedError;
      /** The operation ended with its signal's reason: the main thread answers with the original reason object. */
      readonly aborted?: boolean;
    }
) & {
  /** The worker's `threadId`: whose port holds the attempt's progress and logs. */
  readonly thread: number;
  /** How many progress and log messages the attempt sent on that port, all before this result (left out when none). */
  readonly sent?: number;
};

/** Worker to main thread, on the thread's port, for task `id`. */
export type ThreadMessage =
  | { readonly id: number; readonly type: 'progress'; readonly fraction: number; readonly message?: string; readonly data?: Readonly<Record<string, unknown>> }
  | { readonly id: number; readonly type: 'log'; readonly level: LogLevel; readonly message: string; readonly fields?: Record<string, unknown> };

/** Main thread to worker, on the thread's port: task `id`'s signal aborted. */
export interface AbortMessage {
  readonly type: 'abort';
  readonly id: number;
  readonly reason: SerializedError;
}

/**
 * What a worker thread posts on its `parentPort` as its entry loads, before
 * piscina's ready message: the thread's port, and shared slots (see
 * {@link RUNNING} and {@link ABORTS_POSTED}) through which the main thread
 * finds the thread running a task, and the thread learns, as a task starts,
 * that an abort may be waiting on its port.
 */
export interface ThreadHello {
  readonly portflowThread: true;
  readonly threadId: number;
  readonly port: MessagePort;
  /** `Int32Array` of 2 over a `SharedArrayBuffer`. */
  readonly slots: Int32Array;
}

/** Slot of {@link ThreadHello.slots}: the id of the task the thread runs, 0 when idle (written by the thread). */
export const RUNNING = 0;
/** Slot of {@link ThreadHello.slots}: how many abort messages the main thread posted to the thread (incremented after each). */
export const ABORTS_POSTED = 1;

/** Whether a message piscina relays from a worker's `parentPort` is a {@link ThreadHello}. */
export function isThreadHello(message: unknown): message is ThreadHello {
  return typeof message === 'object' && message !== null && (message as { portflowThread?: unknown }).portflowThread === true;
}
