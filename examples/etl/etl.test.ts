import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

// `npm start`'s job (run.js: generate the CSV, run pipeline.yml through the
// built `portflow` binary, print the result) on 20,000 rows in a temporary
// folder. `npm test` builds first.
const runner = join(__dirname, 'run.js');
const ROWS = 20_000;

function runEtl(dir: string): { status: number | null; stdout: string; stderr: string } {
  const args = [runner, `--rows=${ROWS}`, `--csv=${join(dir, 'data', 'sales.csv')}`, `--parquet=${join(dir, 'out', 'result.parquet')}`, '--no-progress'];
  return spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 120_000 });
}

async function readParquet(path: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll('SELECT * FROM read_parquet(?) ORDER BY category', [path])).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Sum and count of `amount` per category over the rows with value > 100, from the CSV text alone. */
function aggregateCsv(text: string): Map<string, { sum: number; n: number }> {
  const [header, ...lines] = text.trim().split('\n');
  const columns = header!.split(',');
  const [value, category, amount] = ['value', 'category', 'amount'].map((name) => columns.indexOf(name));
  const groups = new Map<string, { sum: number; n: number }>();
  for (const line of lines) {
    const cells = line.split(',');
    if (!(Number(cells[value!]) > 100)) continue;
    const group = groups.get(cells[category!]!) ?? { sum: 0, n: 0 };
    group.sum += Number(cells[amount!]);
    group.n += 1;
    groups.set(cells[category!]!, group);
  }
  return groups;
}

describe('examples/etl (npm start)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portflow-etl-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generates the CSV, runs the pipeline and prints the aggregates it wrote to Parquet', async () => {
    const run = runEtl(dir);
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
    expect(run.stdout).toMatch(/Generating 20,000 sales rows/);
    expect(run.stdout).toMatch(/save_result +to_parquet +succeeded/);
    expect(run.stdout).toMatch(/✔ sales_etl succeeded: 4\/4 steps/);

    const text = readFileSync(join(dir, 'data', 'sales.csv'), 'utf8');
    expect(text.split('\n', 1)[0]).toBe('id,date,category,region,value,amount');
    expect(text.trim().split('\n')).toHaveLength(ROWS + 1);
    const expected = aggregateCsv(text);
    const rows = await readParquet(join(dir, 'out', 'result.parquet'));
    expect(rows.map((r) => r.category)).toEqual([...expected.keys()].sort());
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) {
      const group = expected.get(String(row.category))!;
      expect(row.amount_sum).toBeCloseTo(group.sum, 6);
      expect(row.amount_mean).toBeCloseTo(group.sum / group.n, 9);
      // The printed table shows the same rows.
      expect(run.stdout).toMatch(new RegExp(`^${String(row.category)} +[\\d,]+\\.\\d\\d +[\\d,]+\\.\\d\\d$`, 'm'));
    }
  }, 180_000);

  it('reuses the generated CSV on the next run', () => {
    const csv = join(dir, 'data', 'sales.csv');
    const before = statSync(csv).mtimeMs;
    const run = runEtl(dir);
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
    expect(run.stdout).not.toMatch(/Generating/);
    expect(statSync(csv).mtimeMs).toBe(before);
  }, 180_000);
});
