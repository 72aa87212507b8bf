import { join } from 'node:path';
import { closeDuckDB, readRows, type TableRef } from '../index';
import { readBack } from '../__fixtures__/parquet';
import { removeTempDirs, runWorkflow, SALES_CSV, tempDir, writeFiles, yaml } from '../__fixtures__/workflow-run';

afterAll(async () => {
  removeTempDirs();
  await closeDuckDB();
});

const CUSTOMERS_JSON = JSON.stringify([
  { id: 1, name: 'Ada', region: 'EU' },
  { id: 2, name: 'Bo', region: 'US' },
  { id: 3, name: 'Cy', region: 'EU' },
]);
const ORDERS_CSV = 'order_id,customer_id,total\n10,1,5\n11,1,7\n12,2,3\n13,9,1\n';

/** Runs `steps` (pipeline form) in a directory holding data.csv, customers.json and orders.csv; returns the rows of `step`'s table. */
async function rowsOf(step: string, ...steps: string[]): Promise<Record<string, unknown>[]> {
  const dir = tempDir();
  writeFiles(dir, { 'data.csv': SALES_CSV, 'customers.json': CUSTOMERS_JSON, 'orders.csv': ORDERS_CSV });
  const { result } = await runWorkflow(dir, yaml('pipeline:', '  - { name: load, operation: read_csv, params: { path: data.csv } }', ...steps));
  expect(result.getErrorMessage()).toBeUndefined();
  return readRows(result.getOutput(step, 'table') as TableRef);
}

describe('data components', () => {
  it('read_csv sniffs a file once and names what it found, so later steps read it as the sniffer did', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'odd.csv': 'id;label;day\n1;"a; quoted";2026-01-02\n2;"it\'s ""b""";2026-03-04\n' });
    const { result } = await runWorkflow(dir, yaml('pipeline:', "  - { name: load, operation: read_csv, params: { path: odd.csv, delimiter: ';' } }", '  - { name: q, operation: query, depends_on: [load], params: { expr: "id > 0" } }'));
    expect(result.getErrorMessage()).toBeUndefined();
    const table = result.getOutput('q', 'table') as TableRef;
    expect(table.sql).toContain('auto_detect = false');
    expect(table.columns.map((c) => `${c.name} ${c.type}`)).toEqual(['id BIGINT', 'label VARCHAR', 'day DATE']);
    const rows = await readRows(table);
    expect(rows.map((r) => [r.id, r.label])).toEqual([
      [1n, 'a; quoted'],
      [2n, 'it\'s "b"'],
    ]);
  });

  it('query keeps the rows matching expr', async () => {
    expect((await rowsOf('q', '  - { name: q, operation: query, depends_on: [load], params: { expr: "value > 100 and category = \'books\'" } }')).map((r) => r.value)).toEqual([150n, 101n]);
  });

  it('filter_rows is query with where', async () => {
    expect(await rowsOf('f', '  - { name: f, operation: filter_rows, depends_on: [load], params: { where: "value <= 50" } }')).toEqual([{ value: 50n, category: 'books', amount: 3 }]);
  });

  it('select keeps and computes columns', async () => {
    const rows = await rowsOf('s', '  - { name: s, operation: select, depends_on: [load], params: { columns: [category, { double: "amount * 2" }] } }');
    expect(rows[0]).toEqual({ category: 'books', double: 21 });
  });

  it('groupby_agg names columns <column>_<aggregate> and orders by the groups; without agg it counts', async () => {
    const rows = await rowsOf('g', '  - { name: g, operation: groupby_agg, depends_on: [load], params: { by: [category], agg: { amount: [sum, mean, min, max, count, first, count_distinct] } } }');
    expect(rows).toEqual([
      { category: 'books', amount_sum: 15, amount_mean: 5, amount_min: 1.5, amount_max: 10.5, amount_count: 3n, amount_first: 10.5, amount_count_distinct: 3n },
      { category: 'games', amount_sum: 11.5, amount_mean: 5.75, amount_min: 4, amount_max: 7.5, amount_count: 2n, amount_first: 4, amount_count_distinct: 2n },
    ]);
    expect(await rowsOf('g', '  - { name: g, operation: group_by, depends_on: [load], params: { by: [category] } }')).toEqual([
      { category: 'books', count: 3n },
      { category: 'games', count: 2n },
    ]);
  });

  it('sort, limit and distinct', async () => {
    const sorted = await rowsOf('top', '  - { name: s, operation: sort, depends_on: [load], params: { by: [value], descending: true } }', '  - { name: top, operation: limit, depends_on: [s], params: { n: 2 } }');
    expect(sorted.map((r) => r.value)).toEqual([200n, 150n]);
    const distinct = await rowsOf('d', '  - { name: d, operation: distinct, depends_on: [load], params: { columns: [category] } }');
    expect(distinct.map((r) => r.category).sort()).toEqual(['books', 'games']);
  });

  it('read_json and read_parquet read tables; join matches them (pipeline form: first depends_on is left)', async () => {
    const rows = await rowsOf(
      'j',
      '  - { name: customers, operation: read_json, params: { path: customers.json } }',
      '  - { name: orders, operation: read_csv, params: { path: orders.csv } }',
      '  - { name: j, operation: join, depends_on: [orders, customers], params: { on: "orders.customer_id = customers.id", how: left } }',
    );
    expect(rows.map((r) => `${String(r.order_id)}:${String(r.name)}`).sort()).toEqual(['10:Ada', '11:Ada', '12:Bo', '13:null']);
  });

  it('join and sql take named inputs in the tasks form', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'customers.json': CUSTOMERS_JSON, 'orders.csv': ORDERS_CSV });
    const { result } = await runWorkflow(
      dir,
      yaml(
        'tasks:',
        '  - { name: c, component_name: read_json, params: { path: customers.json }, outputs: [customers] }',
        '  - { name: o, component_name: read_csv, params: { path: orders.csv }, outputs: [orders] }',
        '  - { name: j, component_name: join, inputs: { right: customers, left: orders }, params: { using: [customer_id], how: semi }, outputs: [ignored] }',
        '  - name: per_region',
        '    component_name: sql',
        '    inputs: { people: customers, sales: orders }',
        '    params: { sql: "SELECT p.region, sum(s.total) AS total FROM people p JOIN sales s ON s.customer_id = p.id GROUP BY ALL ORDER BY 1" }',
        '    outputs: [per_region]',
      ),
    );
    expect(result.getErrorMessage()).toMatch(/step 'j'.*customer_id/s); // semi join USING a column only the left side has
    const dir2 = tempDir();
    writeFiles(dir2, { 'customers.json': CUSTOMERS_JSON, 'orders.csv': ORDERS_CSV });
    const ok = await runWorkflow(
      dir2,
      yaml(
        'tasks:',
        '  - { name: c, component_name: read_json, params: { path: customers.json }, outputs: [customers] }',
        '  - { name: o, component_name: read_csv, params: { path: orders.csv }, outputs: [orders] }',
        '  - { name: j, component_name: join, inputs: { orders: orders, people: customers }, params: { on: "orders.customer_id = people.id", how: anti }, outputs: [orphans] }',
        '  - name: per_region',
        '    component_name: sql',
        '    inputs: { people: customers, sales: orders }',
        '    params: { sql: "SELECT p.region, sum(s.total) AS total FROM people p JOIN sales s ON s.customer_id = p.id GROUP BY ALL ORDER BY 1" }',
        '    outputs: [per_region]',
      ),
    );
    expect(ok.result.getErrorMessage()).toBeUndefined();
    expect(await readRows(ok.result.getOutput('j', 'table') as TableRef)).toEqual([{ order_id: 13n, customer_id: 9n, total: 1n }]);
    expect(await readRows(ok.result.getOutput('per_region', 'table') as TableRef)).toEqual([
      { region: 'EU', total: 12n },
      { region: 'US', total: 3n },
    ]);
  });

  it('sql names pipeline inputs after their depends_on steps; concat_rows stacks by column name', async () => {
    const rows = await rowsOf(
      'both',
      '  - { name: orders, operation: read_csv, params: { path: orders.csv } }',
      '  - { name: s, operation: sql, depends_on: [load, orders], params: { sql: "SELECT count(*) AS n FROM load, orders" } }',
      '  - { name: both, operation: concat_rows, depends_on: [s, orders] }',
    );
    expect(rows).toHaveLength(5);
    expect(rows.find((r) => r.n !== null)).toEqual({ n: 20n, order_id: null, customer_id: null, total: null });
  });

  it('to_csv, to_parquet, to_json and the write_* aliases write files; describe summarises', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'data.csv': SALES_CSV });
    const { result } = await runWorkflow(
      dir,
      yaml(
        'pipeline:',
        '  - { name: load, operation: read_csv, params: { path: data.csv } }',
        '  - { name: csv, operation: to_csv, depends_on: [load], params: { path: out/a.csv, delimiter: ";" } }',
        '  - { name: pq, operation: to_parquet, depends_on: [load], params: { path: out/a.parquet, compression: zstd } }',
        '  - { name: js, operation: to_json, depends_on: [load], params: { path: out/a.json } }',
        '  - { name: wc, operation: write_csv, depends_on: [load], params: { path: out/b.csv } }',
        '  - { name: wj, operation: write_json, depends_on: [load], params: { path: out/b.json, format: newline_delimited } }',
        '  - { name: profile, operation: describe, depends_on: [load] }',
      ),
    );
    expect(result.getErrorMessage()).toBeUndefined();
    expect(result.getOutput('pq', 'file')).toBe(join(dir, 'out', 'a.parquet'));
    const count = async (sql: string) => (await readBack(sql))[0]!.n;
    expect(await count(`SELECT count(*) AS n FROM read_parquet('${join(dir, 'out', 'a.parquet')}')`)).toBe('5');
    expect(await count(`SELECT count(*) AS n FROM read_csv('${join(dir, 'out', 'a.csv')}', delim = ';')`)).toBe('5');
    expect(await count(`SELECT count(*) AS n FROM read_csv('${join(dir, 'out', 'b.csv')}')`)).toBe('5');
    expect(await count(`SELECT count(*) AS n FROM read_json('${join(dir, 'out', 'a.json')}', format = 'array')`)).toBe('5');
    expect(await count(`SELECT count(*) AS n FROM read_json('${join(dir, 'out', 'b.json')}', format = 'newline_delimited')`)).toBe('5');
    expect(result.getOutput('profile', 'summary')).toEqual({
      rows: 5,
      columns: [
        { name: 'value', type: 'BIGINT', nulls: 0, distinct: expect.any(Number), min: '50', max: '200', mean: 124.2 },
        { name: 'category', type: 'VARCHAR', nulls: 0, distinct: expect.any(Number), min: 'books', max: 'games', mean: null },
        { name: 'amount', type: 'DOUBLE', nulls: 0, distinct: expect.any(Number), min: '1.5', max: '10.5', mean: 5.3 },
      ],
    });
  });

  it('materialize: true writes the table to Parquet in the run data directory and passes a reference to it', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'data.csv': SALES_CSV });
    const { result } = await runWorkflow(dir, yaml('pipeline:', '  - { name: load, operation: read_csv, params: { path: data.csv } }', '  - { name: big, operation: query, depends_on: [load], params: { expr: "value > 100", materialize: true } }'));
    const table = result.getOutput('big', 'table') as TableRef;
    expect(table.sources).toHaveLength(1);
    expect(table.sources[0]!.path).toMatch(new RegExp(`^${join(dir, '.portflow', 'data', result.runId)}/[0-9a-f]{64}\\.parquet$`));
    expect(table.sql).toBe('SELECT * FROM read_parquet(?)');
    expect(await readRows(table)).toHaveLength(4);
  });
});
