import { basename, extname } from 'node:path';
import { suggestion } from '../closest-names';
import { substitute } from '../expressions';
import type { PendingProblem } from '../workflow-problem';
import { FieldReader } from './fields';
import { readEngineSettings } from './read-settings';
import { readMetadata, readTriggers } from './read-service';
import { NAME_RULE, readSteps, FORM_KEYS } from './read-steps';
import type { WorkflowForm, WorkflowSpec } from './workflow-spec';

/** Top-level keys both forms accept. @internal */
export const COMMON_KEYS = ['name', 'description', 'variables', 'settings', 'plugins', 'metadata', 'triggers', '$schema'] as const;

/** Top-level keys of each form. @internal */
export const TOP_LEVEL_KEYS: Record<WorkflowForm, readonly string[]> = {
  pipeline: [...COMMON_KEYS, 'pipeline'],
  tasks: [...COMMON_KEYS, 'tasks', 'workflow_name'],
};

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Inputs of {@link readWorkflow} besides the document. @internal */
export interface ReadOptions {
  readonly file: string;
  /** Overrides of declared variables (from `--var` or the API). */
  readonly variables?: Readonly<Record<string, unknown>>;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Reads a workflow document of either form into a {@link WorkflowSpec}:
 * variables (with overrides) first, then `${{ }}` substitution, then the
 * shape of every field. Collects every problem; returns no spec only when
 * the document is not a workflow at all. @internal
 */
export function readWorkflow(value: unknown, options: ReadOptions): { spec: WorkflowSpec | undefined; problems: PendingProblem[]; notices: PendingProblem[] } {
  const problems: PendingProblem[] = [];
  const fields = new FieldReader(problems);
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ code: 'unknown-form', message: 'The file is not a workflow: expected a mapping with a `pipeline:` or `tasks:` list.', hint: 'see docs/workflows-yaml.md for the two forms', path: [] });
    return { spec: undefined, problems, notices: fields.notices };
  }
  const root = value as Record<string, unknown>;
  const variables = readVariables(fields, root.variables, options);
  const doc = substitute(withoutVariables(root), [], { vars: variables, env: options.env }, problems) as Record<string, unknown>;

  const form = detectForm(fields, doc);
  if (form === undefined) return { spec: undefined, problems, notices: fields.notices };
  fields.knownKeys(doc, [], TOP_LEVEL_KEYS[form], 'the workflow', {
    pipeline: "a workflow has either 'pipeline' or 'tasks', not both",
    tasks: "a workflow has either 'pipeline' or 'tasks', not both",
    workflow_name: "the pipeline form names the workflow with 'name'",
    steps: `the steps of this form go under '${FORM_KEYS[form].list}'`,
  });

  if (doc.name !== undefined && doc.workflow_name !== undefined) {
    problems.push({ code: 'invalid-field', message: "The workflow has both 'name' and 'workflow_name'.", hint: 'keep one of them', path: ['workflow_name'], at: 'key' });
  }
  const nameKey = doc.workflow_name !== undefined ? 'workflow_name' : 'name';
  const name = doc[nameKey] === undefined ? defaultName(options.file) : fields.string(doc[nameKey], [nameKey], 'the workflow name');
  const description = doc.description === undefined ? undefined : fields.string(doc.description, ['description'], 'the workflow description');

  const plugins =
    doc.plugins === undefined || doc.plugins === null
      ? []
      : fields.stringList(doc.plugins, ['plugins'], 'plugins').map((p) => ({ path: p.value, at: p.path }));

  return {
    spec: {
      form,
      name: name ?? defaultName(options.file),
      description,
      engine: readEngineSettings(fields, doc.settings, ['settings']),
      variables,
      plugins,
      metadata: readMetadata(fields, doc.metadata, ['metadata']),
      triggers: readTriggers(fields, doc.triggers, ['triggers']),
      steps: readSteps(fields, form, doc[FORM_KEYS[form].list]),
    },
    problems,
    notices: fields.notices,
  };
}

function detectForm(fields: FieldReader, doc: Record<string, unknown>): WorkflowForm | undefined {
  const hasPipeline = 'pipeline' in doc;
  const hasTasks = 'tasks' in doc;
  if (hasPipeline && hasTasks) {
    fields.report({ code: 'unknown-form', message: "The workflow has both 'pipeline' and 'tasks'.", hint: 'use one form per file: pipeline (steps with depends_on) or tasks (named inputs and outputs)', path: ['tasks'], at: 'key' });
    return 'pipeline';
  }
  if (hasPipeline) return 'pipeline';
  if (hasTasks) return 'tasks';
  const near = Object.keys(doc).find((k) => suggestion(k, ['pipeline', 'tasks'], 'forms').startsWith('did you mean'));
  fields.report({
    code: 'unknown-form',
    message: "The workflow has no 'pipeline' or 'tasks' list.",
    hint: near !== undefined ? `'${near}': ${suggestion(near, ['pipeline', 'tasks'], 'forms')}` : "add 'pipeline:' (steps with depends_on) or 'tasks:' (named inputs and outputs)",
    path: near !== undefined ? [near] : [],
    at: 'key',
  });
  return undefined;
}

function readVariables(fields: FieldReader, value: unknown, options: ReadOptions): Record<string, unknown> {
  const declared: Record<string, unknown> = {};
  if (value !== undefined && value !== null) {
    const mapping = fields.mapping(value, ['variables'], 'variables', 'variables: { threshold: 100 }');
    for (const [name, raw] of Object.entries(mapping ?? {})) {
      if (!VARIABLE_NAME.test(name)) {
        fields.report({ code: 'invalid-field', message: `Variable name '${name}' is not valid.`, hint: "use letters, digits and '_', starting with a letter or '_'", path: ['variables', name], at: 'key' });
        continue;
      }
      declared[name] = substitute(raw, ['variables', name], { vars: undefined, env: options.env }, fields.problems);
    }
  }
  for (const [name, override] of Object.entries(options.variables ?? {})) {
    if (!Object.prototype.hasOwnProperty.call(declared, name)) {
      fields.report({
        code: 'unknown-variable',
        message: `Variable '${name}' is given a value but the workflow declares no such variable.`,
        hint: `declare it under \`variables:\`, or ${suggestion(name, Object.keys(declared), 'variables')}`,
        path: value === undefined ? [] : ['variables'],
        at: 'key',
      });
      continue;
    }
    declared[name] = override;
  }
  return declared;
}

function withoutVariables(root: Record<string, unknown>): Record<string, unknown> {
  const { variables: _variables, ...rest } = root;
  return rest;
}

function defaultName(file: string): string {
  const base = basename(file, extname(file));
  return NAME_RULE.regex.test(base) ? base : 'workflow';
}
