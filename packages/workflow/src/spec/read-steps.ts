import { RESOURCE_HINTS, type OperationSettings } from '@portflow/core';
import { describe, type FieldReader } from './fields';
import { readDuration, readRetry } from './read-settings';
import type { InputSpec, NodePath, OutputSpec, StepSpec, WorkflowForm } from './workflow-spec';

/** How each form spells its steps. @internal */
export const FORM_KEYS = {
  pipeline: {
    list: 'pipeline',
    item: 'step',
    component: 'operation',
    keys: ['name', 'operation', 'params', 'depends_on', 'resource_hint', 'retry', 'timeout', 'cache', 'description'],
  },
  tasks: {
    list: 'tasks',
    item: 'task',
    component: 'component_name',
    keys: ['name', 'component_name', 'params', 'inputs', 'outputs', 'depends_on', 'resource_hint', 'retry', 'timeout', 'cache', 'description'],
  },
} as const;

/** Step names and data names: what an operation id and a YAML key can both carry. @internal */
export const NAME_RULE = { regex: /^[A-Za-z_][A-Za-z0-9_.-]*$/, rule: "start with a letter or '_' and use letters, digits, '_', '-' or '.'" };

const CROSS_FORM_HINTS: Record<WorkflowForm, Readonly<Record<string, string>>> = {
  pipeline: {
    component_name: "in the pipeline form the component is given by 'operation'",
    inputs: "the pipeline form wires data through 'depends_on'; use the tasks form for named inputs",
    outputs: "the pipeline form wires data through 'depends_on'; use the tasks form for named outputs",
  },
  tasks: { operation: "in the tasks form the component is given by 'component_name'" },
};

/** Reads the step list of either form; steps without a usable name are left out (and reported). @internal */
export function readSteps(fields: FieldReader, form: WorkflowForm, value: unknown): StepSpec[] {
  const keys = FORM_KEYS[form];
  const listPath: NodePath = [keys.list];
  if (!Array.isArray(value)) {
    fields.report({
      code: 'invalid-field',
      message: `'${keys.list}' must be a list of ${keys.item}s, not ${describe(value)}.`,
      hint: `start each ${keys.item} with '- name: ...' on its own line`,
      path: listPath,
    });
    return [];
  }
  const steps: StepSpec[] = [];
  const seen = new Map<string, number>();
  value.forEach((raw, index) => {
    const path: NodePath = [keys.list, index];
    const item = fields.mapping(raw, path, `${keys.item} #${index + 1}`, `- name: my_${keys.item}\n    ${keys.component}: ...`);
    if (item === undefined) return;
    fields.knownKeys(item, path, keys.keys, `${keys.item} #${index + 1}`, CROSS_FORM_HINTS[form]);
    const rawName = fields.required(item, 'name', path, `${keys.item} #${index + 1}`, `name: my_${keys.item}`);
    const name = rawName === undefined ? undefined : fields.string(rawName, [...path, 'name'], `${keys.item} name`, NAME_RULE);
    if (name === undefined) return;
    const first = seen.get(name);
    if (first !== undefined) {
      fields.report({
        code: 'duplicate-step',
        message: `Duplicate ${keys.item} name '${name}': ${keys.item} #${first + 1} has it already.`,
        hint: `give every ${keys.item} its own name, e.g. '${name}_2'`,
        path: [...path, 'name'],
      });
      return;
    }
    seen.set(name, index);
    const what = `${keys.item} '${name}'`;
    const rawComponent = fields.required(item, keys.component, path, what, `${keys.component}: <component>`);
    const component = rawComponent === undefined ? undefined : fields.string(rawComponent, [...path, keys.component], `${what} ${keys.component}`);
    const dependsOn =
      item.depends_on === undefined || item.depends_on === null
        ? []
        : fields.stringList(item.depends_on, [...path, 'depends_on'], `${what} depends_on`).map((d) => ({ name: d.value, path: d.path }));
    steps.push({
      name,
      path,
      component,
      componentPath: [...path, keys.component],
      params: item.params ?? {},
      paramsPath: item.params === undefined ? [...path, keys.component] : [...path, 'params'],
      settings: readStepSettings(fields, item, path, what),
      dependsOn,
      inputs: form === 'tasks' ? readInputs(fields, item.inputs, [...path, 'inputs'], what) : [],
      outputs: form === 'tasks' ? readOutputs(fields, item.outputs, [...path, 'outputs'], what) : [],
    });
  });
  return steps;
}

function readStepSettings(fields: FieldReader, item: Record<string, unknown>, path: NodePath, what: string): OperationSettings {
  const settings: OperationSettings = {};
  if (item.resource_hint !== undefined) {
    const resource = fields.choice(item.resource_hint, [...path, 'resource_hint'], `${what} resource_hint`, RESOURCE_HINTS);
    if (resource !== undefined) settings.resource = resource;
  }
  if (item.retry !== undefined) {
    const retry = readRetry(fields, item.retry, [...path, 'retry'], `${what} retry`);
    if (retry !== undefined) settings.retry = retry;
  }
  if (item.timeout !== undefined) {
    const timeoutMs = readDuration(fields, item.timeout, [...path, 'timeout'], `${what} timeout`);
    if (timeoutMs !== undefined) settings.timeoutMs = timeoutMs;
  }
  if (item.cache !== undefined) {
    // true / false, or a duration: reuse results of earlier runs no older than that.
    if (typeof item.cache === 'boolean') settings.cache = item.cache;
    else {
      const ttlMs = readDuration(fields, item.cache, [...path, 'cache'], `${what} cache (true, false or a maximum age)`);
      if (ttlMs !== undefined) settings.cache = { ttlMs };
    }
  }
  if (item.description !== undefined) {
    const description = fields.string(item.description, [...path, 'description'], `${what} description`);
    if (description !== undefined) settings.description = description;
  }
  return settings;
}

function readInputs(fields: FieldReader, value: unknown, path: NodePath, what: string): InputSpec[] {
  if (value === undefined || value === null) return [];
  const inputs = fields.mapping(value, path, `${what} inputs`, 'inputs: { <input port>: <data name> }');
  if (inputs === undefined) return [];
  const out: InputSpec[] = [];
  for (const [port, source] of Object.entries(inputs)) {
    const at: NodePath = [...path, port];
    if (typeof source === 'string') {
      out.push({ port, path: at, kind: 'data', data: source });
    } else if (source !== null && typeof source === 'object' && !Array.isArray(source)) {
      const literal = source as Record<string, unknown>;
      fields.knownKeys(literal, at, ['value'], `${what} input '${port}'`);
      if (!('value' in literal)) {
        fields.report({ code: 'invalid-field', message: `Input '${port}' of ${what} is a mapping without 'value'.`, hint: `write '${port}: <data name>' to take another task's output, or '${port}: { value: ... }' for a literal`, path: at });
      } else out.push({ port, path: at, kind: 'literal', value: literal.value });
    } else if (source === null || Array.isArray(source)) {
      fields.report({ code: 'invalid-field', message: `Input '${port}' of ${what} must name data or be a literal, not ${describe(source)}.`, hint: `write '${port}: <data name>', or '${port}: { value: ... }' for a literal value`, path: at });
    } else {
      // Numbers and booleans cannot be data names: they are literals.
      out.push({ port, path: at, kind: 'literal', value: source });
    }
  }
  return out;
}

function readOutputs(fields: FieldReader, value: unknown, path: NodePath, what: string): OutputSpec[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value) || typeof value === 'string') {
    return fields
      .stringList(value, path, `${what} outputs`)
      .map((entry, index) => ({ port: index, data: entry.value, path: entry.path }))
      .filter((o) => fields.string(o.data, o.path, `data name`, NAME_RULE) !== undefined);
  }
  const outputs = fields.mapping(value, path, `${what} outputs`, 'outputs: [<data name>] or outputs: { <output port>: <data name> }');
  if (outputs === undefined) return [];
  const out: OutputSpec[] = [];
  for (const [port, data] of Object.entries(outputs)) {
    const name = fields.string(data, [...path, port], `data name for output '${port}' of ${what}`, NAME_RULE);
    if (name !== undefined) out.push({ port, data: name, path: [...path, port] });
  }
  return out;
}
