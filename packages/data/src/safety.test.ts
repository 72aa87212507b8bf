import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutionEngine, isPortflowError } from '@portflow/core';
import { loadWorkflowFile } from '@portflow/workflow';
import { closeDuckDB, dataRegistry, quoteIdentifier } from './index';
import { removeTempDirs, runWorkflow, SALES_CSV, tempDir, writeFiles, yaml } from './__fixtures__/workflow-run';

afterAll(async () => {
  removeTempDirs();
  await closeDuckDB();
});

const LOAD = '  - { name: load, operation: read_csv, params: { path: data.csv } }';

/** Runs `steps` after a read of data.csv; returns the error of the failed step and the directory. */
async function failure(...steps: string[]): Promise<{ message: string; error: unknown; dir: string }> {
  const dir = tempDir();
  writeFiles(dir, { 'data.csv': SALES_CSV });
  const { result } = await runWorkflow(dir, yaml('pipeline:', LOAD, ...steps));
  expect(result.status).toBe('failed');
  return { message: result.getErrorMessage()!, error: result.errors[0]?.error, dir };
}

describe('errors name the step and where it is written', () => {
  it('a bad expression fails its own step with DuckDB message and the position of expr', async () => {
    const { message, dir } = await failure(
      '  - name: transform',
      '    operation: query',
      '    depends_on: [load]',
      '    params:',
      '      expr: "valu > 100"',
      '  - { name: save, operation: to_parquet, depends_on: [transform], params: { path: out.parquet } }',
    );
    expect(message).toContain(`DataQueryError: step 'transform' (${join(dir, 'wf.yaml')}:7:13): Binder Error: Referenced column "valu" not found`);
    expect(existsSync(join(dir, 'out.parquet'))).toBe(false);
  });

  it('a syntax error is DuckDB parser message', async () => {
    const { message } = await failure('  - { name: q, operation: query, depends_on: [load], params: { expr: "value >" } }');
    expect(message).toMatch(/step 'q' \(.*wf.yaml:3:\d+\): expr is not valid SQL: .*syntax error/s);
  });

  it('a missing file names the resolved path', async () => {
    const dir = tempDir();
    const { result } = await runWorkflow(dir, yaml('pipeline:', '  - { name: load, operation: read_parquet, params: { path: in/missing.parquet } }'));
    expect(result.getErrorMessage()).toContain(`DataSourceError: step 'load' (${join(dir, 'wf.yaml')}:2:`);
    expect(result.getErrorMessage()).toContain(`cannot read ${join(dir, 'in', 'missing.parquet')}: no such file`);
  });
});

describe('SQL written in a workflow may only read the step inputs', () => {
  it.each([
    ['a table function', 'query', 'expr', "value > (SELECT count(*) FROM read_csv('/etc/passwd'))", /calls table function 'read_csv'/],
    ['a file path as a table', 'query', 'expr', "value IN (SELECT 1 FROM '/etc/hosts.csv')", /reads the file '\/etc\/hosts.csv' as a table/],
    ['another table', 'sql', 'sql', 'SELECT * FROM duckdb_settings()', /calls table function 'duckdb_settings'/],
    ['a catalog table', 'sql', 'sql', 'SELECT * FROM information_schema.tables', /reads 'information_schema.tables', which is not an input/],
    ['ATTACH', 'sql', 'sql', "ATTACH 'x.db'", /must be a SELECT statement; it is ATTACH/],
    ['COPY', 'sql', 'sql', "COPY load TO 'x.csv'", /must be a SELECT statement; it is COPY/],
    ['SET', 'sql', 'sql', "SET enable_external_access = true", /must be a SELECT statement; it is SET/],
    ['two statements', 'sql', 'sql', 'SELECT 1; SELECT 2', /must be exactly one SELECT statement; it has 2/],
    ['glob', 'sql', 'sql', "SELECT * FROM glob('/etc/*')", /calls table function 'glob'/],
    ['a parameter', 'query', 'expr', 'value > $1', /parameter placeholder/],
    ['getenv', 'select', 'columns', '', /calls 'getenv'/],
  ])('refuses %s', async (_what, component, param, text, why) => {
    const params =
      component === 'select' ? '{ columns: [{ home: "getenv(\'HOME\')" }] }' : `{ ${param}: ${JSON.stringify(text)} }`;
    const { message, error } = await failure(`  - { name: step, operation: ${component}, depends_on: [load], params: ${params} }`);
    expect(isPortflowError(error, 'PORTFLOW_UNSAFE_SQL')).toBe(true);
    expect(message).toMatch(/UnsafeSqlError: step 'step' \(.*wf.yaml:3:\d+\): /);
    expect(message).toMatch(why);
  });

  it('quotes identifiers', () => {
    expect(quoteIdentifier('a "b"')).toBe('"a ""b"""');
  });

  it('a column name from YAML is an identifier, never SQL', async () => {
    const { message } = await failure('  - { name: g, operation: groupby_agg, depends_on: [load], params: { by: [\'category" FROM x; --\'] } }');
    expect(message).toMatch(/Binder Error: Referenced column "category" FROM x; --" not found/);
  });
});

describe('sinks write atomically', () => {
  it('a query failing while it is written leaves no file, not even a temporary one', async () => {
    const { message, dir } = await failure(
      '  - { name: bad, operation: select, depends_on: [load], params: { columns: [{ n: "CAST(category AS INTEGER)" }] } }',
      '  - { name: save, operation: to_parquet, depends_on: [bad], params: { path: out/result.parquet } }',
    );
    expect(message).toMatch(/step 'save' \(.*\): writing .*result.parquet failed: Conversion Error/);
    expect(readdirSync(join(dir, 'out'))).toEqual([]);
  });

  it('keeps the previous file when a write fails', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'data.csv': SALES_CSV });
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'out', 'result.csv'), 'old\n');
    await runWorkflow(
      dir,
      yaml('pipeline:', LOAD, '  - { name: bad, operation: select, depends_on: [load], params: { columns: [{ n: "CAST(category AS INTEGER)" }] } }', '  - { name: save, operation: to_csv, depends_on: [bad], params: { path: out/result.csv } }'),
    );
    expect(readdirSync(join(dir, 'out'))).toEqual(['result.csv']);
  });

  it('a cancelled write interrupts DuckDB and leaves no partial file', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'data.csv': SALES_CSV });
    // 5^11 (about 49 million) rows, computed while they are written: seconds of work, interrupted at once.
    const tables = Array.from({ length: 11 }, (_, i) => `load t${i}`).join(', ');
    writeFileSync(
      join(dir, 'wf.yaml'),
      yaml(
        'pipeline:',
        LOAD,
        `  - { name: big, operation: sql, depends_on: [load], params: { sql: "SELECT md5(t0.category || t1.category || t10.category) AS h FROM ${tables}" } }`,
        '  - { name: save, operation: to_parquet, depends_on: [big], params: { path: out/big.parquet } }',
      ),
    );
    const workflow = loadWorkflowFile(join(dir, 'wf.yaml'), { registry: dataRegistry() });
    const controller = new AbortController();
    const engine = new ExecutionEngine();
    const started = new Promise<void>((resolve) =>
      engine.events$.subscribe((event) => {
        if (event.type === 'OperationStarted' && event.operationId === 'save') resolve();
      }),
    );
    const run = engine.start(workflow.graph, { signal: controller.signal });
    await started;
    controller.abort();
    expect((await run.result).status).toBe('cancelled');
    expect(existsSync(join(dir, 'out')) ? readdirSync(join(dir, 'out')) : []).toEqual([]);
    await engine.close();
  }, 30_000);
});
