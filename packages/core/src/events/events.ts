import { filter, type OperatorFunction } from 'rxjs';
import type { RunStatus } from '../results/execution-result';

/** Fields every engine event carries. */
export interface EventBase {
  /** The run the event belongs to. */
  readonly runId: string;
  /** 1, 2, 3... per run, in emission order. */
  readonly seq: number;
  /** Epoch milliseconds. */
  readonly timestamp: number;
}

/** Fields of events about one operation. */
export interface OperationEventBase extends EventBase {
  readonly operationId: string;
}

/** Counts of operations by state, as carried by `RunCompleted` and progress. */
export interface RunCounts {
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  readonly cancelled: number;
}

/** A run began; `operationCount` operations are scheduled. */
export interface RunStarted extends EventBase {
  readonly type: 'RunStarted';
  readonly graphName: string;
  readonly operationCount: number;
}

/** An attempt of an operation started. */
export interface OperationStarted extends OperationEventBase {
  readonly type: 'OperationStarted';
  readonly attempt: number;
}

/** An operation reported progress through `context.reportProgress`. */
export interface OperationProgress extends OperationEventBase {
  readonly type: 'OperationProgress';
  readonly attempt: number;
  /** 0..1 */
  readonly fraction: number;
  readonly message: string | undefined;
  /** Structured values the operation reported (`reportProgress(f, { data })`). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** A failed attempt will be retried after `delayMs`. */
export interface OperationRetrying extends OperationEventBase {
  readonly type: 'OperationRetrying';
  /** The attempt that comes next. */
  readonly attempt: number;
  readonly delayMs: number;
  /** The error of the failed attempt. */
  readonly error: ErrorSummary;
}

/** An operation succeeded. */
export interface OperationCompleted extends OperationEventBase {
  readonly type: 'OperationCompleted';
  readonly attempt: number;
  /** Milliseconds from first attempt's start to completion. */
  readonly durationMs: number;
  /** Each output port's value type and size, e.g. `{ rows: 'Array(120)' }`. */
  readonly outputs: Readonly<Record<string, string>>;
}

/**
 * An operation did not run: its result was restored from a checkpoint store
 * (from the run being resumed, or from any earlier run for an operation with
 * the `cache` setting) because its cache key matched. Ends the operation,
 * like `OperationCompleted`; no `OperationStarted` precedes it.
 */
export interface OperationRestored extends OperationEventBase {
  readonly type: 'OperationRestored';
  /** The key that matched: a hash of the operation's type, version, params and input contents. */
  readonly cacheKey: string;
  /** The run that computed the result. */
  readonly fromRunId: string;
}

/** An attempt of an operation failed; `willRetry` tells whether another follows. */
export interface OperationFailed extends OperationEventBase {
  readonly type: 'OperationFailed';
  readonly attempt: number;
  readonly error: ErrorSummary;
  readonly willRetry: boolean;
}

/**
 * An operation will not run: an upstream operation failed (`continue`
 * policy), or another operation failed and the run stopped (`failFast`).
 */
export interface OperationSkipped extends OperationEventBase {
  readonly type: 'OperationSkipped';
  /** Why, e.g. `upstream operation 'load' failed`. */
  readonly reason: string;
  /** The failed upstream operation that caused the skip (`continue` policy). */
  readonly upstreamOperationId?: string;
}

/**
 * An operation was cancelled: while an attempt was running (`interrupted`),
 * while waiting to retry, or before it started. Running operations are
 * cancelled when their attempt returns after `context.signal` aborted.
 */
export interface OperationCancelled extends OperationEventBase {
  readonly type: 'OperationCancelled';
  readonly reason: string;
  /** The running attempt when `interrupted`; otherwise attempts made so far (0: it never started). */
  readonly attempt: number;
  /** True when this event ends a running attempt (the one `OperationStarted` announced). */
  readonly interrupted: boolean;
}

/** The run finished; always the run's last event. */
export interface RunCompleted extends EventBase {
  readonly type: 'RunCompleted';
  readonly status: RunStatus;
  readonly durationMs: number;
  readonly counts: RunCounts;
  /** Why the run stopped early: the cancellation reason, or which operation failed under `failFast`. */
  readonly reason?: string;
}

/** Every event the engine emits, discriminated on `type`. */
export type EngineEvent =
  | RunStarted
  | OperationStarted
  | OperationProgress
  | OperationRetrying
  | OperationCompleted
  | OperationRestored
  | OperationFailed
  | OperationSkipped
  | OperationCancelled
  | RunCompleted;

/** The `type` names of {@link EngineEvent}. */
export type EngineEventType = EngineEvent['type'];

/** Events about a single operation. */
export type OperationEvent = Extract<EngineEvent, { operationId: string }>;

/** An error flattened to plain data for events and results. */
export interface ErrorSummary {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

/** Progress of a run, for progress bars. */
export interface RunProgress extends RunCounts {
  readonly runId: string;
  /** Operations in a terminal state. */
  readonly done: number;
  readonly running: number;
}

/**
 * Keeps only events of the given types, narrowing their TypeScript type.
 *
 * @example
 * ```ts
 * run.events$.pipe(ofType('OperationFailed')).subscribe((e) => console.error(e.operationId, e.error.message));
 * ```
 */
export function ofType<K extends EngineEventType>(...types: K[]): OperatorFunction<EngineEvent, Extract<EngineEvent, { type: K }>> {
  const wanted = new Set<string>(types);
  return filter((event): event is Extract<EngineEvent, { type: K }> => wanted.has(event.type));
}

/**
 * Keeps only events about one operation (given as the operation or its id).
 *
 * @example
 * ```ts
 * run.events$.pipe(forOperation(train)).subscribe((e) => console.log(e.type));
 * ```
 */
export function forOperation(operation: { readonly id: string } | string): OperatorFunction<EngineEvent, OperationEvent> {
  const id = typeof operation === 'string' ? operation : operation.id;
  return filter((event): event is OperationEvent => 'operationId' in event && event.operationId === id);
}

/** Flattens any thrown value into an {@link ErrorSummary}. @internal */
export function summarizeError(error: unknown): ErrorSummary {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  return { name: 'NonError', message: typeof error === 'string' ? error : safeStringify(error) };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
