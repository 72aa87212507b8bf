import { PortflowError } from '@portflow/core';
import { formatProblem, type WorkflowProblem } from './workflow-problem';

/**
 * A workflow could not be loaded. `problems` lists every problem found, each
 * with `file:line:column` and a hint; the message lists them too.
 *
 * @example
 * ```ts
 * try { loadWorkflowFile('flow.yaml', { registry }); } catch (e) {
 *   if (e instanceof WorkflowValidationError) for (const p of e.problems) console.error(formatProblem(p));
 * }
 * ```
 */
export class WorkflowValidationError extends PortflowError {
  override readonly name = 'WorkflowValidationError';

  constructor(
    readonly file: string,
    readonly problems: readonly WorkflowProblem[],
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(
      'PORTFLOW_WORKFLOW_INVALID',
      `Workflow ${file} has ${count}:\n${problems.map((p) => formatProblem(p, { codeFrame: false })).join('\n')}`,
    );
  }
}

/** A class could not be registered as a component (no `@Component`, a name taken, not an `Operation`). */
export class ComponentRegistrationError extends PortflowError {
  override readonly name = 'ComponentRegistrationError';

  constructor(message: string) {
    super('PORTFLOW_COMPONENT_REGISTRATION', message);
  }
}

/** One problem with a component's params, at a dotted path inside them. */
export interface ParamsIssue {
  readonly kind: 'unknown' | 'missing' | 'invalid';
  /** Path inside the params, e.g. `['agg', 'amount']`. */
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** For unknown params: the closest known names. */
  readonly suggestions?: readonly string[];
}

/** Params given to `ComponentRegistry.create` failed validation; `issues` lists every problem. */
export class ParamsValidationError extends PortflowError {
  override readonly name = 'ParamsValidationError';

  constructor(
    readonly component: string,
    readonly issues: readonly ParamsIssue[],
  ) {
    super('PORTFLOW_PARAMS_INVALID', `Invalid params for component '${component}':\n${issues.map((i) => `  - ${i.message}`).join('\n')}`);
  }
}

/** A name was looked up in a registry that does not have it. */
export class UnknownComponentError extends PortflowError {
  override readonly name = 'UnknownComponentError';

  constructor(
    readonly component: string,
    readonly suggestions: readonly string[],
  ) {
    const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.map((s) => `'${s}'`).join(' or ')}?` : '';
    super('PORTFLOW_UNKNOWN_COMPONENT', `No component named '${component}' is registered.${hint}`);
  }
}

/** A plugin module could not be loaded or registered nothing. */
export class PluginLoadError extends PortflowError {
  override readonly name = 'PluginLoadError';

  constructor(
    readonly plugin: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('PORTFLOW_PLUGIN', message, options);
  }
}

/**
 * A step named a file outside the folders the workflow may use (the
 * `roots` of its load options; the run service confines workflows to their
 * folder by default, so request parameters cannot point anywhere else). The
 * message names the path as written, not the host's folders.
 */
export class PathOutsideRootsError extends PortflowError {
  override readonly name = 'PathOutsideRootsError';

  constructor(
    /** The path as the step gave it. */
    readonly path: string,
  ) {
    super('PORTFLOW_PATH_OUTSIDE_ROOTS', `Path '${path}' is outside the folders this workflow may use; use a path inside the workflow's folder`);
  }
}
