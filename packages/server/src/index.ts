/**
 * @portflow/server: the run service. `startService` serves a folder of
 * workflows over HTTP on a run manager: submissions with admission control
 * (429 and nothing created when the queue is full), execution look-ups,
 * cancellation, Server-Sent Events that replay and follow an execution,
 * step logs, webhooks, cron schedules, Prometheus metrics, and a web view.
 * @packageDocumentation
 */
export { startService, type ServiceOptions, type RunningService } from './start-service';
export { ServiceConfigError } from './errors';
export type { ServedWorkflow } from './served-workflows';
export type { ScheduleTick } from './schedules';
export type { StepLog } from './execution-hub';
