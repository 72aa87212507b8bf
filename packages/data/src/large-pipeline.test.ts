import { join } from 'node:path';
import { closeDuckDB } from './index';
import { readBack } from './__fixtures__/parquet';
import { removeTempDirs, runWorkflow, tempDir, yaml } from './__fixtures__/workflow-run';

afterAll(async () => {
  removeTempDirs();
  await closeDuckDB();
});

describe('a 10-million-row pipeline', () => {
  it('runs read -> query -> groupby_agg -> to_parquet in DuckDB, the JS heap staying bounded', async () => {
    const dir = tempDir();
    const source = join(dir, 'big.parquet');
    await readBack(`COPY (SELECT range AS value, 'c' || (range % 10)::VARCHAR AS category, (range % 1000) / 10.0 AS amount FROM range(10000000)) TO '${source}' (FORMAT parquet)`);
    const heapBefore = process.memoryUsage().heapUsed;
    const { result } = await runWorkflow(
      dir,
      yaml(
        'pipeline:',
        '  - { name: load, operation: read_parquet, params: { path: big.parquet } }',
        '  - { name: transform, operation: query, depends_on: [load], params: { expr: "value % 2 = 0" } }',
        '  - { name: aggregate, operation: groupby_agg, depends_on: [transform], params: { by: [category], agg: { amount: [sum, mean], value: count } } }',
        '  - { name: save, operation: to_parquet, depends_on: [aggregate], params: { path: out.parquet } }',
      ),
    );
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    expect(result.getErrorMessage()).toBeUndefined();
    expect(heapGrowth).toBeLessThan(50 * 1024 * 1024);
    const rows = await readBack(`SELECT category, value_count, amount_sum FROM read_parquet('${join(dir, 'out.parquet')}') ORDER BY category`);
    // Computed independently: only even values pass, so only the even categories remain, a million rows each.
    const expected = await readBack(
      `SELECT 'c' || (range % 10)::VARCHAR AS category, sum((range % 1000) / 10.0)::DOUBLE AS s FROM range(10000000) WHERE range % 2 = 0 GROUP BY 1 ORDER BY 1`,
    );
    expect(rows.map((r) => `${String(r.category)}:${String(r.value_count)}`)).toEqual(['c0', 'c2', 'c4', 'c6', 'c8'].map((c) => `${c}:1000000`));
    rows.forEach((row, i) => expect(Number(row.amount_sum)).toBeCloseTo(Number(expected[i]!.s), 2));
  }, 120_000);
});
