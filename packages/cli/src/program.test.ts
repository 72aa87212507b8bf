import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT_CODES, main } from './index';
import { memoryTerminal } from './__fixtures__/terminal';

const root = resolve(__dirname, '..', '..', '..');
const examples = join(root, 'examples', 'workflows');
const dir = mkdtempSync(join(tmpdir(), 'portflow-cli-'));
const write = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const noSignals = { on: () => undefined, off: () => undefined };

async function cli(...args: string[]) {
  const { terminal, out } = memoryTerminal({ cwd: root });
  const code = await main(args, { terminal, signals: noSignals, forceExit: () => undefined });
  return { code, ...out };
}

describe('portflow validate', () => {
  it('confirms a valid workflow with exit code 0', async () => {
    const { code, stdout } = await cli('validate', join(examples, 'sales-pipeline.yaml'));
    expect(code).toBe(EXIT_CODES.success);
    expect(stdout).toMatch(/sales-pipeline.yaml is valid: sales_pipeline, pipeline form, 4 steps/);
  });

  it('lists every problem with file:line:column and a hint, with exit code 2', async () => {
    const file = write('typo.yaml', 'pipeline:\n  - name: load\n    operation: read_cvs\n    params: { path: a.csv }\n  - name: show\n    operation: log\n    depends_on: [lod]\n');
    const { code, stderr } = await cli('validate', file);
    expect(code).toBe(EXIT_CODES.invalidInput);
    expect(stderr).toContain(`${file}:3:16: error Unknown component 'read_cvs' in step 'load'.`);
    expect(stderr).toContain("hint: did you mean 'read_csv'?");
    expect(stderr).toContain(`${file}:7:18: error Step 'show' depends on 'lod'`);
    expect(stderr).toMatch(/✖ 2 problems\n$/);
  });

  it('writes JSON with --json', async () => {
    const file = write('bad.yaml', 'pipeline:\n  - name: a\n    operation: nope\n');
    const { code, stdout } = await cli('validate', file, '--json');
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ valid: false, problems: [{ code: 'unknown-component', line: 3, column: 16 }] });
  });

  it('applies --var overrides and rejects undeclared ones', async () => {
    expect((await cli('validate', join(examples, 'sales-pipeline.yaml'), '--var', 'min_amount=5')).code).toBe(0);
    const { code, stderr } = await cli('validate', join(examples, 'sales-pipeline.yaml'), '--var', 'min_amont=5');
    expect(code).toBe(2);
    expect(stderr).toMatch(/Variable 'min_amont' is given a value but the workflow declares no such variable/);
  });
});

describe('portflow run', () => {
  it('prints a line per event and a summary table when not on a TTY', async () => {
    const { code, stdout } = await cli('run', join(examples, 'sales-pipeline.yaml'), '--var', `out_dir=${dir}`);
    expect(code).toBe(EXIT_CODES.success);
    expect(stdout).toMatch(/^Running sales_pipeline \(4 steps\)/);
    expect(stdout).toMatch(/\] ▶ load_data read_csv · started\n/);
    expect(stdout).toMatch(/\] ✔ save_result write_csv · \d+ms\n/);
    expect(stdout).toMatch(/STEP +COMPONENT +STATUS +ATTEMPTS +DURATION\nload_data +read_csv +succeeded +1 +\d+ms/);
    expect(stdout).toMatch(/✔ sales_pipeline succeeded: 4\/4 steps in/);
    expect(stdout).toContain(`Wrote\n  ${join(dir, 'sales-by-category.csv')} (save_result)\n`);
  });

  it('falls back to plain lines on a terminal that reports 0 columns', async () => {
    const { terminal, out } = memoryTerminal({ cwd: root, isTTY: true, columns: 0 });
    const code = await main(['run', join(examples, 'sales-pipeline.yaml'), '--var', `out_dir=${dir}`], { terminal, signals: noSignals, forceExit: () => undefined });
    expect(code).toBe(EXIT_CODES.success);
    expect(out.stdout).toMatch(/\] ✔ save_result write_csv · \d+ms\n/);
  });

  it('exits 1 when a step fails, showing the error', async () => {
    const file = write('fails.yaml', 'pipeline:\n  - { name: load, operation: read_csv, params: { path: missing.csv } }\n  - { name: show, operation: log, depends_on: [load] }\n');
    const { code, stdout } = await cli('run', file);
    expect(code).toBe(EXIT_CODES.workflowFailed);
    expect(stdout).toMatch(/✖ load failed after 1 attempt: DataSourceError: step 'load' \(.*fails.yaml:2:\d+\): cannot read .*missing.csv: no such file/);
    expect(stdout).toMatch(/↷ show skipped/);
    expect(stdout).toMatch(/✖ fails failed in .*: 1 step failed, 0\/2 succeeded/);
  });

  it('shows retries and logs as they happen', async () => {
    const plugin = join(__dirname, '__fixtures__', 'test-components.js');
    const file = write('flaky.yaml', 'settings: { retry_policy: { max_attempts: 2, backoff_ms: [10] } }\npipeline:\n  - { name: shaky, operation: flaky }\n  - { name: say, operation: log, depends_on: [shaky], params: { message: "got {value}" } }\n');
    const { code, stdout } = await cli('run', file, '--plugin', plugin);
    expect(code).toBe(0);
    expect(stdout).toMatch(/↻ shaky attempt 1 failed: flaky attempt 1 — attempt 2 in 10ms/);
    expect(stdout).toMatch(/› say info got 2/);
    expect(stdout).toMatch(/shaky +flaky +succeeded +2 /);
  });

  it('writes NDJSON with --json: the loaded workflow, every event, then the result', async () => {
    const { code, stdout } = await cli('run', join(examples, 'customer-report.yaml'), '--json', '--var', `out_dir=${dir}`);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: 'WorkflowLoaded', name: 'customer_report', form: 'tasks' });
    expect(lines[1]).toMatchObject({ type: 'RunStarted', operationCount: 7 });
    expect(lines.filter((l) => l.type === 'OperationCompleted')).toHaveLength(7);
    expect(lines.find((l) => l.type === 'Log')).toMatchObject({ level: 'info', fields: { operationId: 'announce' } });
    expect(lines.at(-2)).toMatchObject({ type: 'RunCompleted', status: 'succeeded' });
    expect(lines.at(-1)).toMatchObject({ type: 'RunResult', status: 'succeeded', counts: { total: 7, succeeded: 7 } });
  });

  it('reports an invalid workflow as JSON with --json, exit code 2', async () => {
    const file = write('invalid.yaml', 'tasks:\n  - name: a\n    component_name: nope\n');
    const { code, stdout } = await cli('run', file, '--json');
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ type: 'WorkflowInvalid', problems: [{ code: 'unknown-component', line: 3 }] });
  });

  it('rejects bad arguments with exit code 2', async () => {
    expect((await cli('run', 'no-such-file.yaml')).stderr).toBe('portflow: no such file: no-such-file.yaml\n');
    expect((await cli('run', join(examples, 'sales-pipeline.yaml'), '--max-parallel', '0')).code).toBe(2);
    expect((await cli('run', join(examples, 'sales-pipeline.yaml'), '--var', 'oops')).stderr).toMatch(/--var 'oops' is not a variable assignment/);
    expect((await cli('run')).code).toBe(2);
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('run', 'x.yaml', '--plugin', './nope.js')).stderr).toMatch(/Plugin '.\/nope.js' could not be loaded/);
  });
});

describe('portflow graph, components, help', () => {
  it('prints the DAG as Mermaid or DOT', async () => {
    expect((await cli('graph', join(examples, 'sales-pipeline.yaml'))).stdout).toMatch(/^flowchart LR\n/);
    const dot = await cli('graph', join(examples, 'sales-pipeline.yaml'), '--format', 'dot');
    expect(dot.stdout).toMatch(/"load_data" -> "transform" \[label="table → input"\]/);
    expect(dot.stdout).toContain('"load_data" [label="load_data\\nread_csv"]'); // component names, as everywhere else
    expect((await cli('graph', join(examples, 'sales-pipeline.yaml'), '--format', 'png')).code).toBe(2);
  });

  it('lists components with params and ports, including plugins', async () => {
    const { stdout } = await cli('components');
    expect(stdout).toMatch(
      /read_csv {2}Reads a CSV file as a table\n {2}params {3}path: string \(required\), delimiter: string = ",", header: boolean = true, infer_types: boolean = true, materialize: boolean = false\n {2}inputs {3}—\n {2}outputs {2}table: Table \[primary\]/,
    );
    const withPlugin = await cli('components', 'flaky', '--plugin', join(__dirname, '__fixtures__', 'test-components.js'), '--json');
    expect(JSON.parse(withPlugin.stdout)).toEqual([expect.objectContaining({ name: 'flaky', outputs: [{ name: 'value', type: 'unknown' }] })]);
    const unknown = await cli('components', 'group');
    expect(unknown).toMatchObject({ code: 2, stderr: "portflow: no component named 'group'; did you mean 'group_by' or 'groupby_agg'?\n" });
  });

  it.each(['run', 'validate', 'graph', 'components'])('has --help with examples for %s', async (command) => {
    const { code, stdout } = await cli(command, '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`Usage: portflow ${command}`));
    expect(stdout).toMatch(/Examples:\n {2}\$ portflow/);
    expect(stdout).toMatch(/Exit codes:/);
  });
});

describe('portflow run with a run store, and portflow runs', () => {
  const store = join(dir, 'runs.db');
  async function withStore(...args: string[]) {
    const { terminal, out } = memoryTerminal({ cwd: root, env: { PORTFLOW_STORE: store } });
    const code = await main(args, { terminal, signals: noSignals, forceExit: () => undefined });
    return { code, ...out };
  }
  const pipeline = join(examples, 'sales-pipeline.yaml');
  const outDir = mkdtempSync(join(tmpdir(), 'portflow-cli-out-'));
  const notADirectory = write('not-a-directory', 'x');

  it('records a failed run, resumes it restoring what completed, and explains each step', async () => {
    const failed = await withStore('run', pipeline, '--var', `out_dir=${notADirectory}`, '--no-progress');
    expect(failed.code).toBe(EXIT_CODES.workflowFailed);
    expect(failed.stderr).toMatch(new RegExp(`Recorded as run \\S+ in ${store.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; continue it with: portflow run \\S+ --resume`));

    const resumed = await withStore('run', pipeline, '--var', `out_dir=${outDir}`, '--resume', '--no-progress');
    expect(resumed.code).toBe(EXIT_CODES.success);
    expect(resumed.stdout).toMatch(/load_data\s+read_csv\s+restored/);

    const list = JSON.parse((await withStore('runs', '--json')).stdout) as { runs: { runId: string; status: string; resumedFrom?: string }[] };
    expect(list.runs.map((r) => r.status)).toEqual(['succeeded', 'failed']);
    expect(list.runs[0]!.resumedFrom).toBe(list.runs[1]!.runId);

    const shown = await withStore('runs', 'show', list.runs[0]!.runId);
    expect(shown.code).toBe(EXIT_CODES.success);
    expect(shown.stdout).toMatch(/load_data\s+succeeded\s+0\s+\S+\s+[0-9a-f]{12}\s+restored from run \S+ \(same cache key\)/);
    expect(shown.stdout).toMatch(/save_result\s+succeeded\s+1\s+\S+\s+[0-9a-f]{12}\s+ran: run \S+ had not completed it/);

    const rerun = await withStore('run', pipeline, '--var', `out_dir=${outDir}`, '--rerun', 'aggregate', '--no-progress');
    expect(rerun.code).toBe(EXIT_CODES.success);
    expect(rerun.stdout).toMatch(/transform\s+filter_rows\s+restored/);
    expect(rerun.stdout).toMatch(/aggregate\s+group_by\s+succeeded\s+1/);
    const rerunId = (JSON.parse((await withStore('runs', '--json', '--limit', '1')).stdout) as { runs: { runId: string }[] }).runs[0]!.runId;
    expect((await withStore('runs', 'show', rerunId)).stdout).toMatch(/aggregate\s+succeeded\s+1\s+\S+\s+[0-9a-f]{12}\s+ran: asked to rerun, or its stored result could not be read/);

    const pruned = await withStore('runs', 'prune', '--older-than', '0m');
    expect(pruned.stdout).toMatch(/Removed 3 runs and \d+ blobs? from /);
    expect(JSON.parse((await withStore('runs', '--json')).stdout).runs).toEqual([]);
  });

  it('says what is wrong with --resume, --rerun, --store and runs options', async () => {
    expect(await withStore('run', pipeline, '--resume', 'no-such-run')).toMatchObject({ code: EXIT_CODES.invalidInput, stderr: expect.stringContaining("No run 'no-such-run' in the store") });
    expect(await withStore('run', pipeline, '--no-store', '--resume')).toMatchObject({ code: EXIT_CODES.invalidInput, stderr: expect.stringContaining('--resume and --rerun need a run store') });
    expect(await withStore('run', pipeline, '--rerun', 'nope')).toMatchObject({ code: EXIT_CODES.invalidInput, stderr: expect.stringContaining("rerun names operations graph 'sales_pipeline' does not have: 'nope'") });
    expect(await withStore('run', pipeline, '--store', 'mysql://x')).toMatchObject({ code: EXIT_CODES.invalidInput, stderr: expect.stringContaining('cannot open the run store mysql://x') });
    expect(await withStore('runs', '--status', 'done')).toMatchObject({ code: EXIT_CODES.invalidInput, stderr: expect.stringContaining('--status must be one of running, succeeded, failed, cancelled') });
    expect(await withStore('runs', 'show', 'nope')).toMatchObject({ code: EXIT_CODES.invalidInput, stderr: expect.stringContaining("no run 'nope' in") });
    expect(await withStore('runs', 'prune', '--older-than', 'soon')).toMatchObject({ code: EXIT_CODES.invalidInput, stderr: expect.stringContaining('--older-than needs an age such as 30d') });
  });
});
