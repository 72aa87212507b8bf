import { parse } from 'yaml';
import type { PendingProblem } from './workflow-problem';
import { suggestion } from './closest-names';
import type { NodePath } from './spec/workflow-spec';

/** What `${{ ... }}` expressions can read. @internal */
export interface ExpressionScope {
  /** Workflow variables; undefined where variables may not be used (inside `variables:` itself). */
  readonly vars: Readonly<Record<string, unknown>> | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const EXPRESSION = /(\$?)\$\{\{(.*?)\}\}/g;
const REFERENCE = /^\s*(vars|env)\.([A-Za-z_][A-Za-z0-9_]*)\s*$/;

/**
 * Replaces `${{ vars.name }}` and `${{ env.NAME }}` in every string of
 * `value` (keys excepted). A string that is exactly one expression takes the
 * value's own type (a number stays a number); inside longer text the value is
 * written as text. `$${{` stands for a literal `${{`. Problems go to
 * `problems`, with the path of the string.
 * @internal
 */
export function substitute(value: unknown, path: NodePath, scope: ExpressionScope, problems: PendingProblem[]): unknown {
  if (typeof value === 'string') return substituteString(value, path, scope, problems);
  if (Array.isArray(value)) return value.map((item, i) => substitute(item, [...path, i], scope, problems));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = substitute(item, [...path, key], scope, problems);
    return out;
  }
  return value;
}

function substituteString(text: string, path: NodePath, scope: ExpressionScope, problems: PendingProblem[]): unknown {
  if (!text.includes('${{')) return text;
  const whole = /^\$\{\{(.*?)\}\}$/.exec(text);
  if (whole !== null && !whole[1]!.includes('}}')) {
    const resolved = lookup(whole[1]!, path, scope, problems);
    return resolved.ok ? resolved.value : text;
  }
  const replaced = text.replace(EXPRESSION, (match: string, escape: string, body: string) => {
    if (escape === '$') return match.slice(1);
    const resolved = lookup(body, path, scope, problems);
    return resolved.ok ? asText(resolved.value) : match;
  });
  if (text.replace(EXPRESSION, '').includes('${{')) {
    problems.push({
      code: 'invalid-expression',
      message: `Unterminated expression in ${JSON.stringify(text)}.`,
      hint: 'close it with `}}`, as in ${{ vars.name }}',
      path,
    });
  }
  return replaced;
}

function lookup(body: string, path: NodePath, scope: ExpressionScope, problems: PendingProblem[]): { ok: true; value: unknown } | { ok: false } {
  const match = REFERENCE.exec(body);
  if (match === null) {
    problems.push({
      code: 'invalid-expression',
      message: `Expression '\${{${body}}}' is not understood.`,
      hint: 'write ${{ vars.name }} for a workflow variable or ${{ env.NAME }} for an environment variable',
      path,
    });
    return { ok: false };
  }
  const [, namespace, name] = match as unknown as [string, 'vars' | 'env', string];
  if (namespace === 'env') {
    const value = scope.env[name];
    if (value === undefined) {
      problems.push({
        code: 'missing-env',
        message: `Environment variable '${name}' is not set.`,
        hint: `set it before running (export ${name}=...), or use a workflow variable with a default instead`,
        path,
      });
      return { ok: false };
    }
    return { ok: true, value };
  }
  if (scope.vars === undefined) {
    problems.push({ code: 'invalid-expression', message: `Variables cannot refer to other variables ('vars.${name}').`, hint: 'give the variable a literal default or an ${{ env.NAME }} reference', path });
    return { ok: false };
  }
  if (!Object.prototype.hasOwnProperty.call(scope.vars, name)) {
    problems.push({
      code: 'unknown-variable',
      message: `Variable '${name}' is not declared.`,
      hint: unknownVariableHint(name, Object.keys(scope.vars)),
      path,
    });
    return { ok: false };
  }
  return { ok: true, value: scope.vars[name] };
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Parses a `name=value` assignment (as given to `--var`). The value is read
 * as a YAML scalar: `100` is a number, `true` a boolean, `'100'` a string.
 *
 * @example
 * ```ts
 * parseVariableAssignment('threshold=100'); // ['threshold', 100]
 * parseVariableAssignment("label='007'");   // ['label', '007']
 * ```
 */
export function parseVariableAssignment(assignment: string): [name: string, value: unknown] {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new TypeError(`'${assignment}' is not a variable assignment; write name=value`);
  const name = assignment.slice(0, eq).trim();
  const raw = assignment.slice(eq + 1);
  if (raw === '') return [name, ''];
  try {
    return [name, parse(raw, { resolveKnownTags: false }) as unknown];
  } catch {
    return [name, raw];
  }
}

/** What to do about `${{ vars.name }}` naming no declared variable: a near miss, or how to declare it. */
function unknownVariableHint(name: string, declared: readonly string[]): string {
  const declare = `declare it under \`variables:\` with a default (variables: { ${name}: ... })`;
  if (declared.length === 0) return `this workflow declares no variables: ${declare}`;
  const near = suggestion(name, declared, 'variables');
  return near.startsWith('did you mean') ? `${near} Or ${declare}` : `${declare}; ${near}`;
}
