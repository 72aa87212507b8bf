import { readFileSync } from 'node:fs';
import { checkWorkflow, WorkflowValidationError, type LoadOptions } from '@portflow/workflow';
import type { JsonValue } from '@portflow/core';
import type { ExecutionParams, PreparedRun, RunnableWorkflow } from './runnable-workflow';
import { outlineSteps, type WorkflowOutline } from './workflow-outline';

/**
 * Options of {@link workflowFromText} and {@link workflowFromFile}: how to
 * load it, and its concurrency (overriding the workflow's own `metadata`).
 */
export interface TextWorkflowOptions extends Omit<LoadOptions, 'variables'> {
  /** False: one execution at a time (default: the workflow's `metadata.allowConcurrentExecution`, else true). */
  readonly allowConcurrentExecution?: boolean;
  /** With `allowConcurrentExecution: false`: wait in line (`'queue'`) or refuse (`'reject'`); default the workflow's `metadata.whenBusy`, else `'queue'`. */
  readonly whenBusy?: 'queue' | 'reject';
}

/**
 * A {@link RunnableWorkflow} from a YAML or JSON workflow's text. It is
 * checked now (a `WorkflowValidationError` listing every problem); each
 * execution's parameters are the workflow's variables, checked and compiled
 * on submit: an undeclared one is a `WorkflowValidationError`, and nothing
 * is created. The workflow's `settings.maxParallel` and `failurePolicy`
 * apply per run; the engine's other options are the manager's engine's.
 * Its `metadata` (`allowConcurrentExecution`, `whenBusy`) apply unless the
 * options say otherwise; its steps, variables and `triggers` are its
 * `outline`.
 *
 * @example
 * ```ts
 * const report = workflowFromText(yaml, { registry: builtinRegistry(), file: 'report.yaml' });
 * ```
 */
export function workflowFromText(text: string, options: TextWorkflowOptions): RunnableWorkflow {
  const { allowConcurrentExecution, whenBusy, ...load } = options;
  const compile = (params: ExecutionParams): PreparedRun => {
    const check = checkWorkflow(text, { ...load, variables: params });
    if (!check.ok) throw new WorkflowValidationError(load.file ?? '<input>', check.problems);
    const { graph, variables, engineOptions } = check.workflow;
    return {
      graph: graph as PreparedRun['graph'],
      variables: { ...variables },
      runOptions: {
        ...(engineOptions.maxParallel === undefined ? {} : { maxParallel: engineOptions.maxParallel }),
        ...(engineOptions.failurePolicy === undefined ? {} : { failurePolicy: engineOptions.failurePolicy }),
      },
    };
  };
  const check = checkWorkflow(text, load);
  if (!check.ok) throw new WorkflowValidationError(load.file ?? '<input>', check.problems);
  const { workflow } = check;
  const outline: WorkflowOutline = {
    name: workflow.name,
    ...(workflow.description === undefined ? {} : { description: workflow.description }),
    params: workflow.variables as Readonly<Record<string, JsonValue>>,
    steps: outlineSteps(workflow.graph, workflow.steps),
    triggers: workflow.triggers,
  };
  const concurrent = allowConcurrentExecution ?? workflow.metadata.allowConcurrentExecution;
  const busy = whenBusy ?? workflow.metadata.whenBusy;
  return {
    prepare: compile,
    outline,
    ...(concurrent === undefined ? {} : { allowConcurrentExecution: concurrent }),
    ...(busy === undefined ? {} : { whenBusy: busy }),
  };
}

/**
 * {@link workflowFromText} on a file, read now; relative paths in it resolve against its directory.
 *
 * @example
 * ```ts
 * const nightly = workflowFromFile('flows/nightly.yaml', { registry: builtinRegistry(), allowConcurrentExecution: false });
 * ```
 */
export function workflowFromFile(path: string, options: Omit<TextWorkflowOptions, 'file'>): RunnableWorkflow {
  return workflowFromText(readFileSync(path, 'utf8'), { ...options, file: path });
}
