import { checkWorkflow, type ComponentRegistry, type LoadOptions, type WorkflowProblem } from '../index';
import { rowRegistry } from './row-components';

/** Checks YAML text as if it were the file `flow.yaml`. */
export function check(text: string, options: Partial<LoadOptions> & { registry?: ComponentRegistry } = {}) {
  return checkWorkflow(text, { registry: rowRegistry(), file: 'flow.yaml', env: {}, ...options });
}

/** `line:column code` of every problem, for compact assertions. */
export function where(problems: readonly WorkflowProblem[]): string[] {
  return problems.map((p) => `${p.line}:${p.column} ${p.code}`);
}

/** The only problem of a check, failing when there is not exactly one. */
export function only(text: string, options: Partial<LoadOptions> = {}): WorkflowProblem {
  const result = check(text, options);
  if (result.problems.length !== 1) throw new Error(`expected one problem, got:\n${result.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('\n')}`);
  return result.problems[0]!;
}

/** Joins lines, so YAML in tests keeps its indentation visible. */
export function yaml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}
