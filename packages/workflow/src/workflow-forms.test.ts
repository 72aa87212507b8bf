import { ExecutionEngine } from '@portflow/core';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkflow, loadWorkflowFile, parseVariableAssignment, WorkflowValidationError } from './index';
import { rowRegistry } from './__fixtures__/row-components';
import { yaml } from './__fixtures__/check';

const dir = mkdtempSync(join(tmpdir(), 'portflow-forms-'));
writeFileSync(join(dir, 'sales.csv'), 'region,amount\nnorth,120\nsouth,80\nnorth,300\n');

const PIPELINE_FORM = yaml(
  'name: sales',
  'variables: { min: 100 }',
  'settings:',
  '  max_parallel: 2',
  '  cpu_threads: 3',
  '  io_threads: 4',
  '  timeout: 2s',
  '  failure_policy: continue',
  '  retry_policy: { max_attempts: 3, backoff_ms: [100, 500, 2000] }',
  'pipeline:',
  '  - name: load',
  '    operation: read_csv',
  '    params: { path: sales.csv }',
  '  - name: big',
  '    operation: filter_rows',
  '    depends_on: [load]',
  '    retry: { max_attempts: 5 }',
  '    timeout: 1500',
  '    resource_hint: memory_bound',
  '    params: { where: "amount > ${{ vars.min }}" }',
  '  - name: by_region',
  '    operation: group_by',
  '    depends_on: [big]',
  '    params: { by: [region], agg: { amount: sum } }',
);

const TASKS_FORM = yaml(
  'workflow_name: sales',
  'variables: { min: 100 }',
  'tasks:',
  '  - name: load',
  '    component_name: read_csv',
  '    params: { path: sales.csv }',
  '    outputs: [rows]',
  '  - name: big',
  '    component_name: filter_rows',
  '    params: { where: "amount > ${{ vars.min }}" }',
  '    inputs: { rows: rows }',
  '    outputs: { kept: big_rows }',
  '  - name: by_region',
  '    component_name: group_by',
  '    params: { by: [region], agg: { amount: sum } }',
  '    inputs: { rows: big_rows }',
);

const load = (text: string, variables?: Record<string, unknown>) => loadWorkflow(text, { registry: rowRegistry(), file: join(dir, 'flow.yaml'), variables, env: {} });
const edges = (text: string) => load(text).graph.channels.map(String);

describe('loadWorkflow', () => {
  it('compiles both forms to the same graph', () => {
    expect(edges(PIPELINE_FORM)).toEqual(['load.rows -> big.rows', 'big.kept -> by_region.rows']);
    expect(edges(TASKS_FORM)).toEqual(edges(PIPELINE_FORM));
    expect(load(TASKS_FORM).form).toBe('tasks');
    expect(load(PIPELINE_FORM).steps.map((s) => `${s.name}:${s.component}`)).toEqual(['load:read_csv', 'big:filter_rows', 'by_region:group_by']);
  });

  it('maps settings to engine options, retry_policy.backoff_ms to delaysMs', () => {
    expect(load(PIPELINE_FORM).engineOptions).toEqual({
      maxParallel: 2,
      cpuThreads: 3,
      ioConcurrency: 4,
      timeoutMs: 2000,
      failurePolicy: 'continue',
      retry: { maxAttempts: 3, delaysMs: [100, 500, 2000] },
    });
  });

  it("puts a step's retry, timeout and resource hint on its operation", () => {
    const big = load(PIPELINE_FORM).graph.getOperation('big');
    expect(big.settings).toEqual({ retry: { maxAttempts: 5 }, timeoutMs: 1500, resource: 'memory_bound' });
    expect(load(PIPELINE_FORM).graph.getOperation('load').settings).toEqual({ resource: 'io_bound' });
  });

  it.each([
    ['pipeline', PIPELINE_FORM],
    ['tasks', TASKS_FORM],
  ])('runs the %s form', async (_form, text) => {
    const workflow = load(text);
    const result = await new ExecutionEngine(workflow.engineOptions).run(workflow.graph, { variables: workflow.variables });
    expect(result.status).toBe('succeeded');
    expect(result.getOutput('by_region', 'groups')).toEqual([{ region: 'north', amount_sum: 420 }]);
  });

  it('substitutes variables, keeping the type of a whole-value expression, and applies overrides', async () => {
    const text = yaml('variables: { n: 2, label: x }', 'pipeline:', '  - name: c', '    operation: constant', '    params: { value: { n: "${{ vars.n }}", text: "n=${{ vars.n }} ${{ vars.label }}" } }');
    const run = async (vars?: Record<string, unknown>) => (await new ExecutionEngine().run(load(text, vars).graph)).getOutput('c', 'value');
    expect(await run()).toEqual({ n: 2, text: 'n=2 x' });
    expect(await run({ n: 5 })).toEqual({ n: 5, text: 'n=5 x' });
    expect(load(text, { label: 'y' }).variables).toEqual({ n: 2, label: 'y' });
  });

  it('reads environment variables only through explicit ${{ env.NAME }} references', async () => {
    const text = yaml('variables: { home: "${{ env.DATA_HOME }}" }', 'pipeline:', '  - name: c', '    operation: constant', '    params: { value: "$HOME ${{ vars.home }} $${{ not.evaluated }}" }');
    const workflow = loadWorkflow(text, { registry: rowRegistry(), env: { DATA_HOME: '/data', HOME: '/root' } });
    const result = await new ExecutionEngine().run(workflow.graph);
    expect(result.getOutput('c', 'value')).toBe('$HOME /data ${{ not.evaluated }}');
  });

  it('parses --var assignments as YAML scalars', () => {
    expect(parseVariableAssignment('n=100')).toEqual(['n', 100]);
    expect(parseVariableAssignment('flag=true')).toEqual(['flag', true]);
    expect(parseVariableAssignment("code='007'")).toEqual(['code', '007']);
    expect(parseVariableAssignment('path=a=b')).toEqual(['path', 'a=b']);
    expect(() => parseVariableAssignment('oops')).toThrow(/write name=value/);
  });

  it('feeds literal inputs of the tasks form through an operation named <task>:<port>', async () => {
    const text = yaml('tasks:', '  - name: show', '    component_name: log', '    inputs: { value: { value: [1, 2] } }', '    outputs: [shown]');
    const workflow = load(text);
    expect(workflow.graph.channels.map(String)).toEqual(['show:value.value -> show.value']);
    expect(workflow.steps.map((s) => s.name)).toEqual(['show']);
    expect((await new ExecutionEngine().run(workflow.graph)).getOutput('show', 'passed')).toEqual([1, 2]);
  });

  it('gives dynamic components the ports the workflow wires', async () => {
    const text = yaml(
      'tasks:',
      '  - { name: a, component_name: constant, params: { value: [{ x: 1 }] }, outputs: [a] }',
      '  - { name: b, component_name: constant, params: { value: [{ x: 2 }] }, outputs: [b] }',
      '  - { name: all, component_name: concat_rows, inputs: { first: b, second: a } }',
    );
    const result = await new ExecutionEngine().run(load(text).graph);
    expect(result.getOutput('all', 'rows')).toEqual([{ x: 2 }, { x: 1 }]);
  });

  it('feeds every depends_on step into a collecting primary input, and only orders the rest', async () => {
    const text = yaml(
      'pipeline:',
      '  - { name: a, operation: constant, params: { value: [{ x: 1 }] } }',
      '  - { name: b, operation: constant, params: { value: [{ x: 2 }] } }',
      '  - { name: all, operation: concat_rows, depends_on: [a, b] }',
      '  - { name: show, operation: log, depends_on: [all, a] }',
    );
    const workflow = load(text);
    expect(workflow.graph.channels.map(String)).toEqual(['a.value -> all.parts', 'b.value -> all.parts', 'all.rows -> show.value']);
    expect(workflow.graph.dependencies.map((d) => `${d.prerequisite.id} -> ${d.dependent.id}`)).toEqual(['a -> show']);
    expect((await new ExecutionEngine().run(workflow.graph, { retainOutputs: true })).getOutput('all', 'rows')).toEqual([{ x: 1 }, { x: 2 }]);
  });

  it('accepts settings.engine (written for other runners) with a notice at its position', () => {
    const workflow = load(yaml('settings:', '  engine: rust', '  max_parallel: 8', 'pipeline:', '  - { name: a, operation: constant, params: { value: 1 } }'));
    expect(workflow.engineOptions).toEqual({ maxParallel: 8 });
    expect(workflow.notices).toEqual([
      expect.objectContaining({ code: 'ignored-setting', line: 2, column: 3, message: `Setting 'engine' ("rust") is ignored: Portflow has one engine.` }),
    ]);
  });

  it('throws a WorkflowValidationError listing every problem', () => {
    expect(() => load(yaml('pipeline:', '  - { name: a, operation: nope }', '  - { name: b, operation: nada }'))).toThrow(WorkflowValidationError);
    try {
      load(yaml('pipeline:', '  - { name: a, operation: nope }', '  - { name: b, operation: nada }'));
    } catch (error) {
      expect((error as WorkflowValidationError).problems).toHaveLength(2);
      expect((error as Error).message).toMatch(/has 2 problems:\n.*flow.yaml:2:27: Unknown component 'nope'/);
    }
  });

  it('resolves relative paths against the workflow file', async () => {
    writeFileSync(join(dir, 'wf.yaml'), yaml('pipeline:', '  - { name: load, operation: read_csv, params: { path: sales.csv } }', '  - { name: save, operation: write_json, depends_on: [load], params: { path: out/rows.json } }'));
    const workflow = loadWorkflowFile(join(dir, 'wf.yaml'), { registry: rowRegistry() });
    expect((await new ExecutionEngine().run(workflow.graph)).status).toBe('succeeded');
    expect(JSON.parse(readFileSync(join(dir, 'out', 'rows.json'), 'utf8'))).toHaveLength(3);
  });
});
