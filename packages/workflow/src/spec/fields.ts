import { suggestion } from '../closest-names';
import type { PendingProblem } from '../workflow-problem';
import type { NodePath } from './workflow-spec';

/**
 * Small readers for the shape of a workflow: each checks one field, reports
 * a problem with the field's path when it is wrong, and returns the value or
 * undefined. @internal
 */
export class FieldReader {
  /** Things worth telling that do not stop the workflow (ignored settings). */
  readonly notices: PendingProblem[] = [];

  constructor(readonly problems: PendingProblem[]) {}

  report(problem: PendingProblem): void {
    this.problems.push(problem);
  }

  notice(problem: PendingProblem): void {
    this.notices.push(problem);
  }

  /** `value` as a mapping, or undefined (reported unless absent and optional). */
  mapping(value: unknown, path: NodePath, what: string, example: string): Record<string, unknown> | undefined {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    this.report({ code: 'invalid-field', message: `${capitalize(what)} must be a mapping (key: value), not ${describe(value)}.`, hint: `write it as ${example}`, path });
    return undefined;
  }

  /** Reports every key of `object` that is not in `allowed`, suggesting the closest. */
  knownKeys(object: Record<string, unknown>, path: NodePath, allowed: readonly string[], what: string, hints: Readonly<Record<string, string>> = {}): void {
    for (const key of Object.keys(object)) {
      if (allowed.includes(key)) continue;
      this.report({
        code: 'unknown-field',
        message: `Unknown field '${key}' in ${what}.`,
        hint: hints[key] ?? suggestion(key, allowed, 'fields'),
        path: [...path, key],
        at: 'key',
      });
    }
  }

  /** A required field: reports it at the parent when absent. */
  required(object: Record<string, unknown>, key: string, path: NodePath, what: string, example: string): unknown {
    if (object[key] === undefined || object[key] === null) {
      this.report({ code: 'missing-field', message: `${capitalize(what)} has no '${key}'.`, hint: `add ${example}`, path });
      return undefined;
    }
    return object[key];
  }

  string(value: unknown, path: NodePath, what: string, pattern?: { regex: RegExp; rule: string }): string | undefined {
    if (typeof value !== 'string' || value.length === 0) {
      this.report({ code: 'invalid-field', message: `${capitalize(what)} must be a non-empty string, not ${describe(value)}.`, hint: 'quote it if YAML reads it as another type', path });
      return undefined;
    }
    if (pattern !== undefined && !pattern.regex.test(value)) {
      this.report({ code: 'invalid-field', message: `${capitalize(what)} '${value}' is not valid.`, hint: pattern.rule, path });
      return undefined;
    }
    return value;
  }

  /** A whole number in [min, max]. */
  integer(value: unknown, path: NodePath, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    this.report({ code: 'invalid-field', message: `${capitalize(what)} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}, not ${describe(value)}.`, hint: `for example ${what.split(' ').pop()}: ${Math.max(min, 1)}`, path });
    return undefined;
  }

  number(value: unknown, path: NodePath, what: string, min: number, max = Infinity): number | undefined {
    if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) return value;
    this.report({ code: 'invalid-field', message: `${capitalize(what)} must be a number from ${min}${max < Infinity ? ` to ${max}` : ' up'}, not ${describe(value)}.`, hint: 'give a plain number', path });
    return undefined;
  }

  /** One of `choices`, suggesting the closest for a near miss. */
  choice<T extends string>(value: unknown, path: NodePath, what: string, choices: readonly T[]): T | undefined {
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
    this.report({
      code: 'invalid-field',
      message: `${capitalize(what)} must be one of ${choices.join(', ')}, not ${describe(value)}.`,
      hint: typeof value === 'string' ? suggestion(value, choices, 'values') : `use one of ${choices.join(', ')}`,
      path,
    });
    return undefined;
  }

  /** A list of non-empty strings; a single string counts as a list of one. */
  stringList(value: unknown, path: NodePath, what: string): { value: string; path: NodePath }[] {
    if (typeof value === 'string') return [{ value, path }];
    if (!Array.isArray(value)) {
      this.report({ code: 'invalid-field', message: `${capitalize(what)} must be a list of names, not ${describe(value)}.`, hint: `write it as ${what.split(' ').pop()}: [a, b]`, path });
      return [];
    }
    const out: { value: string; path: NodePath }[] = [];
    value.forEach((item, i) => {
      const s = this.string(item, [...path, i], `each entry of ${what}`);
      if (s !== undefined) out.push({ value: s, path: [...path, i] });
    });
    return out;
  }
}

/** A short description of a value's YAML type for messages. @internal */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
