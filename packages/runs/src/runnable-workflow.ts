import type { GraphDefinition, JsonValue, RunOptions } from '@portflow/core';
import type { WorkflowOutline } from './workflow-outline';

/** A workflow's parameters: JSON values by name (its declared variables). */
export type ExecutionParams = Readonly<Record<string, JsonValue>>;

/** What one execution runs: a graph, its variables and per-run engine options. */
export interface PreparedRun {
  /** The graph to run; it must take no inputs (parameters reach it as variables). */
  readonly graph: GraphDefinition<Record<never, never>, object>;
  /** The run's variables. */
  readonly variables?: Record<string, unknown>;
  /** Per-run options the workflow asks for. */
  readonly runOptions?: Pick<RunOptions, 'maxParallel' | 'failurePolicy' | 'checkpoint'>;
}

/**
 * A workflow a `RunManager` can execute: it checks parameters and builds
 * the run for them. `workflowFromText` and `workflowFromFile` make one from
 * a YAML or JSON workflow; any object of this shape will do.
 *
 * @example
 * ```ts
 * const workflows = { nightly: workflowFromFile('flows/nightly.yaml', { registry: builtinRegistry(), allowConcurrentExecution: false }) };
 * ```
 */
export interface RunnableWorkflow {
  /**
   * Checks `params` and builds the run. Throws (and the execution is not
   * created) when they are wrong: an unknown parameter, a bad value. Called
   * on submit, and again when a restarted manager resumes the execution.
   */
  prepare(params: ExecutionParams): PreparedRun;
  /** False: one execution of this workflow at a time (default true). */
  readonly allowConcurrentExecution?: boolean;
  /**
   * With `allowConcurrentExecution: false`, what a submission does while an
   * execution is queued or running: `'queue'` waits in line (default),
   * `'reject'` throws a `WorkflowBusyError` and creates nothing.
   */
  readonly whenBusy?: 'queue' | 'reject';
  /** Its steps, parameters and triggers, for a run service to show (workflows from files have one). */
  readonly outline?: WorkflowOutline;
}
