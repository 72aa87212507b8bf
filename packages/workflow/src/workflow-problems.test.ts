import { formatProblem } from './index';
import { check, only, where, yaml } from './__fixtures__/check';

const PIPELINE = (...steps: string[]) => yaml('pipeline:', ...steps);

describe('checkWorkflow problems', () => {
  it('reports an unknown component at its line and column and suggests the closest name', () => {
    const problem = only(PIPELINE('  - name: load', '    operation: read_cvs', '    params: { path: a.csv }'));
    expect(problem).toMatchObject({ code: 'unknown-component', file: 'flow.yaml', line: 3, column: 16, endColumn: 24 });
    expect(problem.message).toBe("Unknown component 'read_cvs' in step 'load'.");
    expect(problem.hint).toMatch(/^did you mean 'read_csv'\?/);
  });

  it('formats a problem as file:line:column, a code frame and the hint', () => {
    const problem = only(PIPELINE('  - name: load', '    operation: read_cvs', '    params: { path: a.csv }'));
    expect(formatProblem(problem)).toBe(
      [
        "flow.yaml:3:16: Unknown component 'read_cvs' in step 'load'.",
        '  3 |     operation: read_cvs',
        '    |                ^^^^^^^^',
        "  hint: did you mean 'read_csv'? Run `portflow components` to list them, or load a plugin.",
      ].join('\n'),
    );
  });

  it('reports an unknown param at its key and suggests the closest param', () => {
    const problem = only(PIPELINE('  - name: load', '    operation: read_csv', '    params:', '      path: a.csv', '      delimeter: ";"'));
    expect(problem).toMatchObject({ code: 'unknown-param', line: 6, column: 7 });
    expect(problem.message).toBe("Unknown param 'delimeter' for step 'load' (read_csv).");
    expect(problem.hint).toBe("did you mean 'delimiter'?");
  });

  it('reports a wrong-typed param at its value', () => {
    const problem = only(PIPELINE('  - name: load', '    operation: read_csv', '    params:', '      path: a.csv', '      header: "yes"'));
    expect(problem).toMatchObject({ code: 'invalid-param', line: 6, column: 15 });
    expect(problem.message).toBe("Invalid param 'header' for step 'load' (read_csv): header must be a boolean value.");
  });

  it('reports a missing required param at the params key', () => {
    const problem = only(PIPELINE('  - name: load', '    operation: read_csv', '    params:', '      header: true'));
    expect(problem).toMatchObject({ code: 'missing-param', line: 4, column: 5 });
    expect(problem.message).toBe("Missing param 'path' for step 'load' (read_csv).");
    expect(problem.hint).toBe('add it under params, e.g. path: <string>');
  });

  it('reports a depends_on naming no step, suggesting the closest', () => {
    const problem = only(PIPELINE('  - name: load', '    operation: constant', '    params: { value: 1 }', '  - name: show', '    operation: log', '    depends_on: [lod]'));
    expect(problem).toMatchObject({ code: 'unknown-step', line: 7, column: 18 });
    expect(problem.message).toBe("Step 'show' depends on 'lod', but there is no step with that name.");
    expect(problem.hint).toBe("did you mean 'load'?");
  });

  it('reports an input taking data no task publishes, suggesting the closest', () => {
    const text = yaml(
      'tasks:',
      '  - name: load',
      '    component_name: read_csv',
      '    params: { path: a.csv }',
      '    outputs: [raw_customer_df]',
      '  - name: keep',
      '    component_name: filter_rows',
      '    params: { where: "a > 1" }',
      '    inputs:',
      '      rows: raw_customers',
    );
    const problem = only(text);
    expect(problem).toMatchObject({ code: 'unknown-data', line: 10, column: 13 });
    expect(problem.message).toBe("Input 'rows' of task 'keep' takes 'raw_customers', but no task publishes it in its outputs.");
    expect(problem.hint).toMatch(/^did you mean 'raw_customer_df'\?; for a literal string write rows: \{ value: "raw_customers" \}$/);
  });

  it('reports a cycle with its path at the dependency that closes it', () => {
    const problem = only(
      PIPELINE(
        '  - name: a',
        '    operation: log',
        '    depends_on: [c]',
        '  - name: b',
        '    operation: log',
        '    depends_on: [a]',
        '  - name: c',
        '    operation: log',
        '    depends_on: [b]',
      ),
    );
    expect(problem).toMatchObject({ code: 'cycle', line: 4, column: 18 });
    expect(problem.message).toBe('Steps depend on each other in a loop: a → b → c → a.');
  });

  it('reports a duplicate step name at the second one', () => {
    const problem = only(PIPELINE('  - name: show', '    operation: log', '  - name: show', '    operation: log'));
    expect(problem).toMatchObject({ code: 'duplicate-step', line: 4, column: 11 });
    expect(problem.message).toBe("Duplicate step name 'show': step #1 has it already.");
  });

  it('reports bad YAML syntax with its position', () => {
    const result = check(yaml('pipeline:', '  - name: a', '    operation: log', '    params: { message: [1, 2 }'));
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatchObject({ code: 'yaml-syntax', line: 4 });
    expect(result.problems[0]!.message).toMatch(/^YAML syntax: /);
  });

  it('reports duplicate keys', () => {
    const problem = check(yaml('pipeline:', '  - name: a', '    operation: log', '    operation: constant')).problems.find((p) => p.code === 'yaml-syntax')!;
    expect(problem).toMatchObject({ code: 'yaml-syntax', line: 4, column: 5 });
    expect(problem.message).toBe('YAML syntax: Map keys must be unique.');
  });

  it.each(['!!js/function "return 1"', '!!binary aGVsbG8=', '!custom thing'])('refuses the custom tag %s', (tagged) => {
    const result = check(yaml('pipeline:', '  - name: a', '    operation: constant', `    params: { value: ${tagged} }`));
    expect(where(result.problems)).toEqual(['4:22 yaml-syntax']);
    expect(result.problems[0]!.message).toMatch(/custom YAML tags are not allowed/);
  });

  it('stops alias bombs instead of expanding them', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    const result = check(yaml(...lines, 'pipeline: []'));
    expect(result.problems.map((p) => p.code)).toContain('yaml-syntax');
  });

  it('reports unknown fields with the closest known field', () => {
    const problem = only(PIPELINE('  - name: a', '    operation: log', '    dependson: []'));
    expect(problem).toMatchObject({ code: 'unknown-field', line: 4, column: 5 });
    expect(problem.hint).toBe("did you mean 'depends_on'?");
  });

  it('explains a field of the other form', () => {
    const problem = only(yaml('tasks:', '  - name: a', '    component_name: log', '    operation: log'));
    expect(problem.hint).toBe("in the tasks form the component is given by 'component_name'");
  });

  it('reports a file that is neither form', () => {
    const problem = only(yaml('name: x', 'pipline:', '  - name: a'));
    expect(problem).toMatchObject({ code: 'unknown-form', line: 2, column: 1 });
    expect(problem.hint).toBe("'pipline': did you mean 'pipeline'?");
  });

  it('reports a line nested under a key that already has a value, on that line, once', () => {
    const result = check(PIPELINE('  - name: load', '    operation: read_csv', '      params:', '        path: data.csv'));
    expect(where(result.problems)).toEqual(['4:7 yaml-syntax']);
    expect(result.problems[0]!.message).toBe('YAML indentation: Line 4 is indented deeper than `operation:` on line 3, which already has a value, so it cannot hold `params`.');
    expect(result.problems[0]!.hint).toBe('indent `params` by 4 spaces, like `operation:` above');
  });

  it('reports a list item indented less than its siblings, on that line, once', () => {
    const result = check(PIPELINE('  - name: load', '    operation: log', ' - name: other', '   operation: log'));
    expect(where(result.problems)).toEqual(['4:2 yaml-syntax']);
    expect(result.problems[0]!.message).toBe('YAML indentation: The list item on line 4 is indented 1 space, but the items before it (line 2) are indented 2.');
    expect(result.problems[0]!.hint).toBe('indent it by 2 spaces to continue the list');
  });

  it('reports an unknown variable and a missing environment variable', () => {
    const result = check(PIPELINE('  - name: a', '    operation: log', '    params:', '      message: "${{ vars.who }} ${{ env.PORTFLOW_TEST_UNSET }}"'));
    expect(where(result.problems)).toEqual(['5:16 unknown-variable', '5:16 missing-env']);
    expect(result.problems.map((p) => p.message).sort()).toEqual([
      "Environment variable 'PORTFLOW_TEST_UNSET' is not set.",
      "Variable 'who' is not declared.",
    ]);
    expect(result.problems.find((p) => p.code === 'unknown-variable')!.hint).toBe('this workflow declares no variables: declare it under `variables:` with a default (variables: { who: ... })');
  });

  it('reports an override of an undeclared variable', () => {
    const problem = only(yaml('variables: { threshold: 1 }', 'pipeline: []'), { variables: { treshold: 2 } });
    expect(problem).toMatchObject({ code: 'unknown-variable', line: 1, column: 1 });
    expect(problem.hint).toMatch(/did you mean 'threshold'\?/);
  });

  it('reports an input nothing feeds', () => {
    const problem = only(PIPELINE('  - name: keep', '    operation: filter_rows', '    params: { where: "a > 1" }'));
    expect(problem).toMatchObject({ code: 'unconnected-input', line: 3, column: 16 });
    expect(problem.message).toBe("Step 'keep' (filter_rows) needs input 'rows', but nothing feeds it.");
  });

  it('reports a literal input of the wrong type', () => {
    const problem = only(yaml('tasks:', '  - name: keep', '    component_name: filter_rows', '    params: { where: "a > 1" }', '    inputs: { rows: 3 }'));
    expect(problem).toMatchObject({ code: 'type-mismatch', line: 5, column: 21 });
    expect(problem.message).toBe("Input 'rows' of task 'keep' expects Array, got number.");
  });

  it('reports unknown input and output ports with suggestions', () => {
    const result = check(
      yaml('tasks:', '  - name: load', '    component_name: read_csv', '    params: { path: a.csv }', '    outputs: { row: raw }', '  - name: keep', '    component_name: filter_rows', '    params: { where: "a > 1" }', '    inputs: { rowz: raw }'),
    );
    expect(where(result.problems)).toEqual(['5:16 unknown-port', '9:15 unknown-port']);
    expect(result.problems.map((p) => p.hint)).toEqual(["did you mean 'rows'?", "did you mean 'rows'?"]);
  });

  it('reports bad settings and step settings', () => {
    const result = check(
      yaml('settings:', '  max_parallel: 0', '  failure_policy: stop', 'pipeline:', '  - name: a', '    operation: log', '    resource_hint: io_bond', '    timeout: soon', '    retry: { max_attempts: 2, backoff_ms: [-1] }'),
    );
    expect(where(result.problems)).toEqual(['2:17 invalid-field', '3:19 invalid-field', '7:20 invalid-field', '8:14 invalid-field', '9:44 invalid-field']);
    expect(result.problems[2]!.hint).toBe("did you mean 'io_bound'?");
  });

  it('reads a step cache setting, and reports one that is neither a boolean nor an age', () => {
    const ok = check(yaml('pipeline:', '  - name: a', '    operation: log', '    cache: true', '  - name: b', '    operation: log', '    cache: 2h', '    depends_on: [a]'));
    expect(ok.problems).toEqual([]);
    expect(ok.workflow!.graph.getOperation('a').settings.cache).toBe(true);
    expect(ok.workflow!.graph.getOperation('b').settings.cache).toEqual({ ttlMs: 7_200_000 });
    const bad = check(yaml('pipeline:', '  - name: a', '    operation: log', '    cache: sometimes'));
    expect(where(bad.problems)).toEqual(['4:12 invalid-field']);
    expect(bad.problems[0]!.message).toMatch(/cache \(true, false or a maximum age\) must be a positive duration, not/);
  });

  it('reports every problem at once, in file order', () => {
    const result = check(
      PIPELINE(
        '  - name: load',
        '    operation: read_cvs',
        '  - name: keep',
        '    operation: filter_rows',
        '    depends_on: [lod]',
        '    params: { where: "amount >> 3" }',
        '  - name: keep',
        '    operation: log',
      ),
    );
    expect(where(result.problems)).toEqual(['3:16 unknown-component', '6:18 unknown-step', '7:22 invalid-param', '8:11 duplicate-step']);
  });

  it('names the file in every problem', () => {
    const result = check(PIPELINE('  - name: a', '    operation: nope'), { file: 'flows/etl.yaml' });
    expect(result.problems[0]!.file).toBe('flows/etl.yaml');
  });

  it('reads JSON with positions too', () => {
    const text = '{\n  "pipeline": [\n    { "name": "a", "operation": "lgo" }\n  ]\n}\n';
    const problem = only(text);
    expect(problem).toMatchObject({ code: 'unknown-component', line: 3, column: 33 });
    expect(problem.hint).toMatch(/did you mean 'log'\?/);
  });
});
