/**
 * A typed client of the Portflow run service (`@portflow/server`,
 * `portflow serve`): submits executions with retries on 429 and refused
 * connections (exponential backoff with full jitter, `Retry-After`,
 * idempotency keys so that no retry creates a second execution), reads,
 * lists and cancels them, and follows their events as an rxjs Observable
 * that reconnects with `Last-Event-ID`. See docs/service.md for the HTTP API.
 *
 * @packageDocumentation
 */
export { PortflowClient } from './client';
export type { PortflowClientOptions, FetchLike, SleepLike } from './transport';
export { backoffDelay, backoffPolicy, sleep, DEFAULT_BACKOFF, type BackoffPolicy, type RetryInfo, type RetryOptions } from './backoff';
export { ServiceError, RetriesExhaustedError, networkErrorCode, retryability, describeError, type Retryability } from './errors';
export { SseParser, readSse, type SseMessage } from './sse-parser';
export {
  TERMINAL_STATUSES,
  type EndMessage,
  type EngineEventData,
  type EngineEventType,
  type EngineMessage,
  type ErrorSummary,
  type Execution,
  type ExecutionMessage,
  type ExecutionPage,
  type ExecutionStateChange,
  type ExecutionStatus,
  type Health,
  type ListOptions,
  type LogLine,
  type LogMessage,
  type ServiceEvent,
  type StateMessage,
  type StepRecord,
  type SubmitOptions,
  type SubmitResult,
  type WorkflowDetail,
  type WorkflowStepInfo,
  type WorkflowSummary,
} from './types';
