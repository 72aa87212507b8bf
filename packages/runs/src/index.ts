/**
 * @portflow/runs: many executions of workflows at once. A `RunManager`
 * accepts executions durably into a run store, runs them on one engine with
 * a concurrency limit and a bounded, fair queue, cancels them, and after a
 * crash resumes what was running from its checkpoints.
 * @packageDocumentation
 */
export {
  RunManager,
  type RunManagerOptions,
  type SubmitOptions,
  type ExecutionDetails,
  type RunJournal,
  type RecoveryReport,
  type CloseReport,
} from './run-manager';
export type { RunnableWorkflow, PreparedRun, ExecutionParams } from './runnable-workflow';
export { outlineSteps, type WorkflowOutline, type OutlineStep } from './workflow-outline';
export { workflowFromText, workflowFromFile, type TextWorkflowOptions } from './workflow-from-text';
export type { ExecutionEvent, ExecutionStateChanged, ExecutionEngineEvent } from './execution-events';
export { QueueFullError, UnknownWorkflowError, WorkflowBusyError, RunManagerClosedError } from './errors';
