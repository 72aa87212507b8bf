import { readFileSync } from 'node:fs';
import { compileSpec, type CompiledWorkflow } from './compile-workflow';
import type { ComponentRegistry } from './component-registry';
import { WorkflowDocument } from './document/workflow-document';
import { WorkflowValidationError } from './errors';
import { loadPlugin } from './plugins';
import { readWorkflow } from './spec/read-workflow';
import { WorkflowFile } from './step-init';
import type { PendingProblem, WorkflowProblem } from './workflow-problem';

/** Options of {@link loadWorkflow} and {@link checkWorkflow}. */
export interface LoadOptions {
  /** Where component names are looked up. Plugins the file lists are loaded into a fork of it. */
  registry: ComponentRegistry;
  /** Values for declared variables, overriding their defaults. */
  variables?: Readonly<Record<string, unknown>>;
  /** What `${{ env.NAME }}` reads (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Load the modules the file lists under `plugins:` (default false: a
   * workflow file may not make the host import code unless allowed).
   */
  allowPlugins?: boolean;
  /** Name of the file the text came from, for messages and relative paths (default `<input>`). */
  file?: string;
  /**
   * Folders the steps' files must stay inside (read, written, or a
   * command's working directory): a path outside them is a
   * `path-outside-roots` problem. Default: anywhere.
   */
  roots?: readonly string[];
}

/** The outcome of {@link checkWorkflow}: the compiled workflow, or every problem found. */
export type CheckResult =
  | { readonly ok: true; readonly workflow: CompiledWorkflow; readonly problems: readonly [] }
  | { readonly ok: false; readonly workflow?: undefined; readonly problems: readonly WorkflowProblem[] };

/**
 * Parses, validates and compiles a workflow of either form, collecting every
 * problem (with `file:line:column` and a hint) instead of stopping at the
 * first. Never throws for a problem in the workflow.
 *
 * @example
 * ```ts
 * const check = checkWorkflow(text, { registry: builtinRegistry(), file: 'etl.yaml' });
 * if (!check.ok) check.problems.forEach((p) => console.error(formatProblem(p)));
 * ```
 */
export function checkWorkflow(text: string, options: LoadOptions): CheckResult {
  const file = options.file ?? '<input>';
  const document = WorkflowDocument.parse(text, file);
  if (document.structureBroken) return { ok: false, problems: document.syntaxProblems };
  const pending: PendingProblem[] = [];
  const { spec, problems: readProblems, notices } = readWorkflow(document.value, { file, variables: options.variables, env: options.env ?? process.env });
  pending.push(...readProblems);
  let compiled: Omit<CompiledWorkflow, 'file' | 'notices'> | undefined;
  if (spec !== undefined) {
    const workflowFile = new WorkflowFile(options.file, undefined, options.roots);
    let registry = options.registry;
    if (spec.plugins.length > 0) {
      registry = registry.fork();
      for (const plugin of spec.plugins) {
        if (!options.allowPlugins) {
          pending.push({
            code: 'plugin-not-allowed',
            message: `The workflow asks to load plugin '${plugin.path}', but plugins listed in workflow files are not loaded unless allowed.`,
            hint: `if you trust this file, run with --allow-plugins (allowPlugins: true in the API), or pass --plugin ${plugin.path}`,
            path: plugin.at,
          });
          continue;
        }
        try {
          loadPlugin(registry, plugin.path, workflowFile.directory);
        } catch (error) {
          pending.push({ code: 'plugin-error', message: (error as Error).message, hint: 'check the path (relative to the workflow file) and that the module exports @Component classes', path: plugin.at });
        }
      }
    }
    compiled = compileSpec(spec, registry, workflowFile, pending, (path) => {
      const range = document.rangeOf(path);
      return { line: range.line, column: range.column };
    });
  }
  const problems = [...document.syntaxProblems, ...pending.map((p) => document.resolve(p))];
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  if (problems.length > 0 || compiled === undefined) return { ok: false, problems };
  return { ok: true, workflow: { ...compiled, file, notices: notices.map((n) => document.resolve(n)) }, problems: [] };
}

/**
 * Like {@link checkWorkflow}, but returns the workflow or throws a
 * {@link WorkflowValidationError} listing every problem.
 *
 * @example
 * ```ts
 * const workflow = loadWorkflow(yamlText, { registry: builtinRegistry(), variables: { threshold: 50 } });
 * ```
 */
export function loadWorkflow(text: string, options: LoadOptions): CompiledWorkflow {
  const check = checkWorkflow(text, options);
  if (!check.ok) throw new WorkflowValidationError(options.file ?? '<input>', check.problems);
  return check.workflow;
}

/**
 * Reads a workflow file (YAML or JSON) and compiles it; relative paths in it
 * and its plugins resolve against the file's directory.
 *
 * @example
 * ```ts
 * const workflow = loadWorkflowFile('examples/workflows/sales-pipeline.yaml', { registry: builtinRegistry() });
 * ```
 */
export function loadWorkflowFile(path: string, options: Omit<LoadOptions, 'file'>): CompiledWorkflow {
  return loadWorkflow(readFileSync(path, 'utf8'), { ...options, file: path });
}
