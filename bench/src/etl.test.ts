import { closeDuckDB } from '@portflow/data';
import { directSql, measureEtl, renderEtl } from './etl';

afterAll(() => closeDuckDB());

describe('the ETL benchmark', () => {
  it('runs the pipeline through Portflow and DuckDB alone on a tiny CSV, with the same result (shape only, never times)', async () => {
    const figures = await measureEtl({ rows: 2_000, reps: 2, warmup: 0 });
    expect(figures.sameResult).toBe(true);
    expect(figures.csvBytes).toBeGreaterThan(2_000 * 20);
    for (const timing of [figures.portflow, figures.duckdb]) {
      expect(timing.samples).toHaveLength(2);
      expect(timing.ms).toBeGreaterThan(0);
      expect(timing.cpuMs).toBeGreaterThan(0);
    }
    expect(figures.ratio).toBeCloseTo(figures.portflow.ms / figures.duckdb.ms, 9);
    for (const step of Object.values(figures.steps)) expect(step).toBeGreaterThanOrEqual(0);
    expect(figures.describeMs).toBeGreaterThan(0);
    const text = renderEtl(figures);
    expect(text).toMatch(/^ETL pipeline, 2,000 rows/);
    expect(text).toMatch(/\| \*\*Portflow ÷ DuckDB\*\* \| \*\*[\d.]+x\*\* \|/);
    expect(text).toMatch(/- budget 1\.3x: (met|missed); same aggregates in both files: yes/);
  }, 120_000);

  it('quotes the paths in its hand-written SQL', () => {
    expect(directSql("/tmp/it's.csv", '/tmp/out.parquet')).toContain("read_csv('/tmp/it''s.csv')");
  });
});
