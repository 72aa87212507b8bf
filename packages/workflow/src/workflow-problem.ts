/** Stable codes of {@link WorkflowProblem}s. */
export type WorkflowProblemCode =
  | 'yaml-syntax'
  | 'unknown-form'
  | 'unknown-field'
  | 'missing-field'
  | 'invalid-field'
  | 'duplicate-step'
  | 'unknown-component'
  | 'unknown-param'
  | 'missing-param'
  | 'invalid-param'
  | 'component-error'
  | 'path-outside-roots'
  | 'unknown-step'
  | 'unknown-data'
  | 'duplicate-data'
  | 'unknown-port'
  | 'cycle'
  | 'unknown-variable'
  | 'missing-env'
  | 'invalid-expression'
  | 'plugin-not-allowed'
  | 'plugin-error'
  | 'unconnected-input'
  | 'type-mismatch'
  | 'graph'
  | 'ignored-setting';

/**
 * One problem with a workflow: what is wrong, where (`file:line:column` of
 * the offending YAML node, 1-based) and a one-line hint to fix it. Plain data.
 */
export interface WorkflowProblem {
  readonly code: WorkflowProblemCode;
  /** What is wrong, naming the step and field. */
  readonly message: string;
  /** One line on how to fix it. */
  readonly hint: string;
  /** The workflow file, or `<input>` for text without a file. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  /** Path of the node in the document, e.g. `pipeline[2].params.path`. */
  readonly path: string;
  /** The source line the problem points at, for code frames. */
  readonly lineText?: string;
}

/**
 * A problem before it has a position: where in the document tree it is.
 * @internal
 */
export interface PendingProblem {
  readonly code: WorkflowProblemCode;
  readonly message: string;
  readonly hint: string;
  /** Keys and indices from the document root to the node. */
  readonly path: readonly (string | number)[];
  /** Point at the key of the last path segment rather than its value. */
  readonly at?: 'key' | 'value';
}

/**
 * `file:line:column: message` plus the hint and, when the source line is
 * known, a code frame with a caret under the column.
 *
 * @example
 * ```ts
 * for (const p of error.problems) console.error(formatProblem(p));
 * // flows/etl.yaml:7:16: Unknown component 'read_cvs' in step 'load'.
 * //    7 |     operation: read_cvs
 * //      |                ^^^^^^^^
 * //   hint: did you mean 'read_csv'? Run `portflow components` to list them.
 * ```
 */
export function formatProblem(problem: WorkflowProblem, options: { codeFrame?: boolean } = {}): string {
  const lines = [`${problem.file}:${problem.line}:${problem.column}: ${problem.message}`];
  if (options.codeFrame !== false && problem.lineText !== undefined) {
    const gutter = String(problem.line).length;
    const width = problem.endLine === problem.line ? Math.max(1, problem.endColumn - problem.column) : 1;
    lines.push(`  ${String(problem.line)} | ${problem.lineText}`);
    lines.push(`  ${' '.repeat(gutter)} | ${' '.repeat(problem.column - 1)}${'^'.repeat(Math.min(width, 80))}`);
  }
  lines.push(`  hint: ${problem.hint}`);
  return lines.join('\n');
}

/** Renders a path like `pipeline[2].params.path`. @internal */
export function pathToString(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}
