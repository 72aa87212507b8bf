/**
 * The shapes the run service answers with (docs/service.md), as plain JSON
 * types. The client does not depend on the server's packages: these mirror
 * its wire format.
 */

/** Where an execution is: waiting, running, or one of the three endings. */
export type ExecutionStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** The statuses an execution never leaves. */
export const TERMINAL_STATUSES: readonly ExecutionStatus[] = ['succeeded', 'failed', 'cancelled'];

/** An error flattened to plain data, as the engine and the service report it. */
export interface ErrorSummary {
  /** The error's class name, e.g. `CommandError`. */
  readonly name: string;
  /** Its message. */
  readonly message: string;
  /** Its code, when it has one (e.g. `PORTFLOW_COMMAND_FAILED`). */
  readonly code?: string;
  /** Its stack, when the server sends it. */
  readonly stack?: string;
}

/** The record of one step in an execution's last run. */
export interface StepRecord {
  /** The step's operation id (its name in the workflow). */
  readonly operationId: string;
  /** The step's status, e.g. `succeeded`, `failed`, `skipped`. */
  readonly status: string;
  /** Attempts made. */
  readonly attempts: number;
  /** When its first attempt started, epoch ms. */
  readonly startedAt?: number;
  /** When it ended, epoch ms. */
  readonly finishedAt?: number;
  /** Milliseconds from start to end. */
  readonly durationMs?: number;
  /** Why it failed, when it did. */
  readonly error?: ErrorSummary;
  /** True when its result was restored from a checkpoint instead of being computed. */
  readonly restored: boolean;
}

/** One execution of a workflow, as `GET /executions/:id` answers it. */
export interface Execution {
  /** Its id. */
  readonly executionId: string;
  /** The workflow it runs. */
  readonly workflow: string;
  /** The parameters it was submitted with (the workflow's variables). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Where it is. */
  readonly status: ExecutionStatus;
  /** Its place in submission order. */
  readonly position: number;
  /** When it was accepted, epoch ms. */
  readonly submittedAt: number;
  /** When it started running, epoch ms. */
  readonly startedAt?: number;
  /** When it ended, epoch ms. */
  readonly finishedAt?: number;
  /** The engine runs it used: the first run, then each run that resumed it. */
  readonly runIds: readonly string[];
  /** Why it failed, when it did. */
  readonly error?: ErrorSummary | string;
  /** Why it was cancelled, when it was. */
  readonly reason?: string;
  /** The idempotency key it was submitted with, when it had one. */
  readonly idempotencyKey?: string;
  /** Each step's record in its last run (present on `get`, may be absent in lists). */
  readonly steps?: readonly StepRecord[];
}

/** One page of `GET /executions`, newest first. */
export interface ExecutionPage {
  /** The executions of this page. */
  readonly executions: readonly Execution[];
  /** The cursor of the next page; absent on the last one. */
  readonly next?: string;
}

/** Filters and paging of {@link PortflowClient.list}. */
export interface ListOptions {
  /** Only executions of this workflow. */
  readonly workflow?: string;
  /** Only executions in this status (or any of these). */
  readonly status?: ExecutionStatus | readonly ExecutionStatus[];
  /** Page size, 1-1000 (the server's default is 50). */
  readonly limit?: number;
  /** The `next` cursor of the previous page. */
  readonly cursor?: string;
}

/** A log line a step wrote. */
export interface LogLine {
  /** The engine run it belongs to. */
  readonly runId: string;
  /** The step that wrote it. */
  readonly operationId: string;
  /** The attempt that wrote it. */
  readonly attempt: number;
  /** `debug`, `info`, `warn` or `error`. */
  readonly level: string;
  /** The text. */
  readonly message: string;
  /** When, epoch ms (or an ISO date, as the server sends it). */
  readonly time: number | string;
}

/** A workflow the service runs, as `GET /workflows` lists it. */
export interface WorkflowSummary {
  /** Its name. */
  readonly name: string;
  /** Its description. */
  readonly description?: string;
  /** How many steps it has (or their names, as the server sends them). */
  readonly steps: unknown;
  /** What starts it besides `submit` (webhooks, schedules). */
  readonly triggers: readonly unknown[];
  /** False when it runs one execution at a time. */
  readonly allowConcurrentExecution: boolean;
}

/** One step of a workflow's graph. */
export interface WorkflowStepInfo {
  /** The step's name. */
  readonly id: string;
  /** The component it runs. */
  readonly component: string;
  /** The steps it waits for. */
  readonly dependsOn: readonly string[];
}

/** A workflow in detail, as `GET /workflows/:name` answers it. */
export interface WorkflowDetail {
  /** Its name. */
  readonly name: string;
  /** Its description. */
  readonly description?: string;
  /** A JSON schema of its parameters (its declared variables). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Its steps. */
  readonly steps: readonly WorkflowStepInfo[];
  /** What starts it besides `submit`. */
  readonly triggers: readonly unknown[];
  /** False when it runs one execution at a time. */
  readonly allowConcurrentExecution: boolean;
  /** What happens to a submission while it is busy: `queue` or `reject`. */
  readonly whenBusy?: string;
}

/** What `GET /healthz` answers. */
export interface Health {
  /** `ok` while the service accepts work. */
  readonly status: string;
  /** Executions running. */
  readonly running: number;
  /** Executions waiting. */
  readonly queued: number;
}

/** Options of {@link PortflowClient.submit}. */
export interface SubmitOptions {
  /**
   * Makes the submission idempotent: submitting again with the same key (for
   * the same workflow) returns the first execution's id. When absent, the
   * client generates one per `submit` call, so its own retries never create
   * a second execution.
   */
  readonly idempotencyKey?: string;
  /** Aborts the submission, its retries and the waits between them. */
  readonly signal?: AbortSignal;
}

/** What {@link PortflowClient.submit} resolves to. */
export interface SubmitResult {
  /** The accepted execution's id. */
  readonly executionId: string;
  /** The idempotency key that was sent (the caller's, or the generated one). */
  readonly idempotencyKey: string;
  /** HTTP attempts it took: 1 when the first was accepted. */
  readonly attempts: number;
}

/** An execution changed status (the `state` message of the event stream). */
export interface ExecutionStateChange {
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

/** The `type` names of engine events (see docs/events.md). */
export type EngineEventType =
  | 'RunStarted'
  | 'OperationStarted'
  | 'OperationProgress'
  | 'OperationRetrying'
  | 'OperationCompleted'
  | 'OperationRestored'
  | 'OperationFailed'
  | 'OperationSkipped'
  | 'OperationCancelled'
  | 'RunCompleted';

/**
 * An engine event as the service sends it: the fields every event has, and
 * the type-specific ones (`operationId`, `attempt`, `status`, `error`, ...)
 * as the engine defines them.
 */
export interface EngineEventData {
  /** Which event. */
  readonly type: EngineEventType;
  /** The engine run it belongs to. */
  readonly runId: string;
  /** 1, 2, 3... per run, in emission order. */
  readonly seq: number;
  /** Epoch ms. */
  readonly timestamp: number;
  /** The step it is about, for operation events. */
  readonly operationId?: string;
  /** The type-specific fields. */
  readonly [field: string]: unknown;
}

/** The first message of a stream: the execution as it was when the stream opened. */
export interface ExecutionMessage {
  /** The discriminant. */
  readonly type: 'execution';
  /** The execution. */
  readonly execution: Execution;
}

/** An engine event, sent once and in order across reconnections. */
export interface EngineMessage {
  /** The discriminant. */
  readonly type: 'engine';
  /**
   * The message's SSE id as the server sent it (opaque to the client): what
   * the client sends as `Last-Event-ID` to resume after this event.
   */
  readonly id: string;
  /** The run's place among the execution's `runIds` (0 for its first run). */
  readonly runIndex: number;
  /** The engine event. */
  readonly event: EngineEventData;
}

/** The execution changed status. */
export interface StateMessage {
  /** The discriminant. */
  readonly type: 'state';
  /** The change. */
  readonly state: ExecutionStateChange;
}

/** A step wrote a log line (replayed from the journal too, after the event a reconnection names). */
export interface LogMessage {
  /** The discriminant. */
  readonly type: 'log';
  /** The line. */
  readonly log: LogLine;
}

/** The execution ended; the last message of a stream. */
export interface EndMessage {
  /** The discriminant. */
  readonly type: 'end';
  /** The execution as it ended. */
  readonly execution: Execution;
}

/** A message of {@link PortflowClient.events}, discriminated on `type`. */
export type ServiceEvent = ExecutionMessage | EngineMessage | StateMessage | LogMessage | EndMessage;
