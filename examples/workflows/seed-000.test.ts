import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

// Seed 000's pipeline, unchanged, through the built `portflow` binary (`npm test` builds first),
// in a temporary copy so its output.parquet lands outside the repository.
const root = join(__dirname, '..', '..');
const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('seed-000-pipeline.yml', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portflow-seed-000-'));
    copyFileSync(join(__dirname, 'seed-000-pipeline.yml'), join(dir, 'pipeline.yml'));
    copyFileSync(join(__dirname, 'data.csv'), join(dir, 'data.csv'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs unchanged: settings.engine is accepted with a notice, and output.parquet holds the aggregates', async () => {
    const run = spawnSync(process.execPath, [bin, 'run', 'pipeline.yml'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toMatch(/pipeline.yml:2:3: notice: Setting 'engine' \("rust"\) is ignored: Portflow has one engine\./);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/save_result +to_parquet +succeeded/);

    // The expected values, computed here from the CSV text with no DuckDB involved.
    const [, ...lines] = readFileSync(join(dir, 'data.csv'), 'utf8').trim().split('\n');
    const expected = new Map<string, { sum: number; n: number }>();
    for (const line of lines) {
      const [value, category, amount] = line.split(',');
      if (Number(value) <= 100) continue;
      const group = expected.get(category!) ?? { sum: 0, n: 0 };
      group.sum += Number(amount);
      group.n += 1;
      expected.set(category!, group);
    }
    const rows = await query(`SELECT category, amount_sum, amount_mean FROM read_parquet('${join(dir, 'output.parquet')}') ORDER BY category`);
    expect(rows.map((r) => r.category)).toEqual([...expected.keys()].sort());
    for (const row of rows) {
      const group = expected.get(String(row.category))!;
      expect(Number(row.amount_sum)).toBeCloseTo(group.sum, 6);
      expect(Number(row.amount_mean)).toBeCloseTo(group.sum / group.n, 6);
    }
  });
});
