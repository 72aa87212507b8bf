import { readdirSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { JsonValue } from '@portflow/core';
import { workflowFromFile, type RunnableWorkflow, type WorkflowOutline } from '@portflow/runs';
import type { ComponentRegistry } from '@portflow/workflow';
import { ServiceConfigError } from './errors';

/** A workflow the service runs: the name it is served under, its file and what the run manager executes. */
export interface ServedWorkflow {
  /** Its name in URLs: the workflow's `name:` (default: the file name). */
  readonly name: string;
  /** The file, relative to the workflows folder. */
  readonly file: string;
  /** What the run manager executes. */
  readonly runnable: RunnableWorkflow;
  /** Its steps, parameters with defaults, and triggers. */
  readonly outline: WorkflowOutline;
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const URL_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Loads every workflow file (`*.yaml`, `*.yml`, `*.json`) directly in
 * `folder`. Throws a `ServiceConfigError` naming each file that does not
 * load (with its problems), two files that give the same name, or a name
 * that cannot be a URL segment. Every file a step reads or writes must be
 * inside `roots` (default: the folder), whatever the parameters say.
 */
export function loadServedWorkflows(folder: string, registry: ComponentRegistry, roots: readonly string[] = [folder]): Map<string, ServedWorkflow> {
  const root = resolve(folder);
  let files: string[];
  try {
    files = readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isFile() && EXTENSIONS.has(extname(entry.name)))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    throw new ServiceConfigError(`Cannot read the workflows folder '${folder}': ${(error as Error).message}`, 'pass --workflows <folder> with the YAML workflows to serve');
  }
  if (files.length === 0) throw new ServiceConfigError(`The workflows folder '${folder}' holds no workflow (*.yaml, *.yml, *.json).`, 'put the workflows to serve there, or pass another --workflows folder');
  const served = new Map<string, ServedWorkflow>();
  const problems: string[] = [];
  for (const file of files) {
    let runnable: RunnableWorkflow;
    try {
      runnable = workflowFromFile(join(root, file), { registry, roots });
    } catch (error) {
      problems.push((error as Error).message);
      continue;
    }
    const outline = runnable.outline!;
    const name = outline.name;
    const other = served.get(name);
    if (other !== undefined) problems.push(`${file}: workflow name '${name}' is also the name of ${other.file}; give one of them another 'name:'`);
    else if (!URL_NAME.test(name)) problems.push(`${file}: workflow name '${name}' cannot be used in URLs; use letters, digits, '_', '.' and '-'`);
    else served.set(name, { name, file, runnable, outline });
  }
  if (problems.length > 0) throw new ServiceConfigError(`${problems.length} workflow file${problems.length === 1 ? '' : 's'} in '${folder}' cannot be served:\n${problems.map((p) => `  - ${p}`).join('\n')}`, 'fix them, or move them out of the folder');
  return served;
}

/** A JSON schema of a workflow's parameters: each declared variable, typed like its default; no others. */
export function paramsSchema(outline: WorkflowOutline): Record<string, JsonValue> {
  const properties: Record<string, JsonValue> = {};
  for (const [name, value] of Object.entries(outline.params)) {
    const type = jsonType(value);
    properties[name] = { ...(type === undefined ? {} : { type }), default: value };
  }
  return { type: 'object', properties, additionalProperties: false };
}

/** Problems of `params` against the workflow's parameters: unknown names and values of another type than the default's. */
export function paramsProblems(outline: WorkflowOutline, params: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  const declared = Object.keys(outline.params);
  for (const [name, value] of Object.entries(params)) {
    if (!Object.prototype.hasOwnProperty.call(outline.params, name)) {
      problems.push(`'${name}' is not a parameter of '${outline.name}' (${declared.length === 0 ? 'it takes none' : `it takes ${declared.map((d) => `'${d}'`).join(', ')}`})`);
      continue;
    }
    const expected = jsonType(outline.params[name]!);
    const actual = jsonType(value as JsonValue);
    if (expected !== undefined && actual !== expected) {
      problems.push(`parameter '${name}' must be ${article(expected)} (like its default ${JSON.stringify(outline.params[name])}), not ${article(actual ?? 'null')}`);
    }
  }
  return problems;
}

function jsonType(value: JsonValue | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return 'number';
  return typeof value;
}

function article(type: string): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}
