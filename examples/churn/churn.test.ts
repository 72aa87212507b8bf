import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

// examples/churn/churn.yaml through the built `portflow` binary (`npm test` builds first), in a
// temporary copy so data/ and out/ land outside the repository. The scripts run with this Node.
const root = join(__dirname, '..', '..');
const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');
const files = ['churn.yaml', 'generate-customers.mjs', 'score.mjs', 'show-table.mjs', 'model.json'];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end, without blocking the event loop. */
function run(command: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Rows of a plain CSV (no quoted commas) as objects of strings. */
function readCsv(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const columns = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [columns[i], cell])));
}

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

describe('examples/churn', () => {
  let dir: string;
  let result: Run;
  let customers: Record<string, string>[];
  let scores: Map<string, number>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portflow-churn-'));
    for (const file of files) copyFileSync(join(__dirname, file), join(dir, file));
    result = await run(process.execPath, [bin, 'run', 'churn.yaml', '--no-progress', '--var', `node=${process.execPath}`, '--var', 'customers=3000'], dir);
    if (result.status !== 0) throw new Error(`portflow run exited with ${result.status}:\n${result.stdout}\n${result.stderr}`);
    customers = readCsv(join(dir, 'data', 'customers.csv'));
    scores = new Map(readCsv(join(dir, 'out', 'scores.csv')).map((row) => [row.customer_id!, Number(row.churn_score)]));
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs churn.yaml: generates the customers, scores them and prints the summary per contract', () => {
    expect(result.status).toBe(0);
    expect(customers).toHaveLength(3000);
    expect(result.stdout).toMatch(/attach_scores +join +succeeded/);
    expect(result.stdout).toMatch(/│ show_summary contract +customers +actual_churn_rate +predicted_churn_rate +flagged/);
    expect(result.stdout).toMatch(/│ show_summary month +\d+/);
  });

  it('gives every customer a churn score in [0, 1], the one the model computes from its features', () => {
    // The features and the model, recomputed here from customers.csv and model.json.
    const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { intercept: number; weights: Record<string, number> };
    expect(scores.size).toBe(customers.length);
    for (const c of customers) {
      const tenure = Number(c.tenure_months);
      const charges = Number(c.monthly_charges);
      const calls = Number(c.support_calls);
      const features: Record<string, number> = {
        tenure_months: tenure,
        monthly_charges: charges,
        support_calls: calls,
        charges_per_tenure_month: charges / Math.max(tenure, 1),
        high_support: calls >= 4 ? 1 : 0,
        contract_month: c.contract === 'month' ? 1 : 0,
        contract_year: c.contract === 'year' ? 1 : 0,
      };
      const logit = Object.entries(model.weights).reduce((sum, [name, weight]) => sum + weight * features[name]!, model.intercept);
      const score = scores.get(c.customer_id!)!;
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
      expect(Math.abs(score - 1 / (1 + Math.exp(-logit)))).toBeLessThan(1e-6);
    }
  });

  it('writes out/churn-scores.parquet: each customer once, with its columns and score', async () => {
    const rows = await query(
      `SELECT customer_id, contract, churned, churn_score FROM read_parquet('${join(dir, 'out', 'churn-scores.parquet').replace(/'/g, "''")}') ORDER BY customer_id`,
    );
    expect(rows.map((r) => String(r.customer_id))).toEqual(customers.map((c) => c.customer_id));
    rows.forEach((row, i) => {
      expect(row.contract).toBe(customers[i]!.contract);
      expect(String(row.churned)).toBe(customers[i]!.churned);
      expect(Number(row.churn_score)).toBe(scores.get(customers[i]!.customer_id!));
    });
  }, 60_000);

  it('summarises per contract what the scores file says, and month-to-month customers score higher than yearly ones', () => {
    const expected = new Map<string, { n: number; churned: number; score: number; flagged: number }>();
    for (const c of customers) {
      const group = expected.get(c.contract!) ?? { n: 0, churned: 0, score: 0, flagged: 0 };
      const score = scores.get(c.customer_id!)!;
      group.n += 1;
      group.churned += Number(c.churned);
      group.score += score;
      group.flagged += score >= 0.5 ? 1 : 0;
      expected.set(c.contract!, group);
    }
    const summary = readCsv(join(dir, 'out', 'churn-summary.csv'));
    expect(summary.map((row) => row.contract)).toEqual(['month', 'year']);
    for (const row of summary) {
      const group = expected.get(row.contract!)!;
      expect(Number(row.customers)).toBe(group.n);
      expect(Number(row.actual_churn_rate)).toBeCloseTo(group.churned / group.n, 9);
      expect(Number(row.predicted_churn_rate)).toBeCloseTo(group.score / group.n, 9);
      expect(Number(row.flagged)).toBe(group.flagged);
    }
    const rate = (contract: string) => expected.get(contract)!.score / expected.get(contract)!.n;
    expect(rate('month')).toBeGreaterThan(rate('year'));
  });
});
