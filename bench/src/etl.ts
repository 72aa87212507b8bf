#!/usr/bin/env node
/**
 * `node bench/dist/etl.js [--rows=1000000] [--reps=5] [--warmup=1]`: the
 * ETL pipeline of `examples/etl` (`npm start`: read_csv -> query
 * `value > 100` -> groupby_agg by category, amount sum and mean ->
 * to_parquet) through Portflow, against the same SQL run directly on DuckDB
 * (`@duckdb/node-api`), in one process, taking turns. Both read one generated
 * CSV and write Parquet.
 *
 * - Portflow: the example's `pipeline.yml` loaded with the data components
 *   (`loadWorkflowFile` + `dataRegistry()`) and run by an `ExecutionEngine`,
 *   in process: what `portflow run` does without the process start-up.
 *   Its DuckDB instance opens on the first step and closes when the run ends.
 * - DuckDB: a fresh in-memory instance, one `COPY (SELECT ... GROUP BY
 *   category) TO '...parquet'`, closed.
 *
 * Each: `warmup` untimed runs, then `reps` timed runs (forward order on even
 * repetitions, reverse on odd); the medians of wall and CPU time (all the
 * process's threads) and their ratio, and Portflow's step durations.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ExecutionEngine } from '@portflow/core';
import { closeDuckDB, dataRegistry } from '@portflow/data';
import { loadWorkflowFile } from '@portflow/workflow';
import { median } from './stats';

const examples = join(__dirname, '..', '..', 'examples', 'etl');
const PIPELINE = join(examples, 'pipeline.yml');
const STEPS = ['load_data', 'transform', 'aggregate', 'save_result'] as const;

// The example's generator is plain JavaScript outside this package: the same file `npm start` uses.
const loadExample = createRequire(__filename);
const { generateSales } = loadExample(join(examples, 'generate-sales.js')) as { generateSales(path: string, rows: number): Promise<void> };

/** The SQL of the pipeline, written by hand: what a DuckDB user would run. */
export function directSql(csv: string, parquet: string): string {
  const literal = (path: string): string => `'${path.replaceAll("'", "''")}'`;
  return `COPY (SELECT category, sum(amount) AS amount_sum, avg(amount) AS amount_mean FROM read_csv(${literal(csv)}) WHERE value > 100 GROUP BY category) TO ${literal(parquet)} (FORMAT parquet, COMPRESSION snappy)`;
}

export interface Timing {
  /** Median wall time of one run, ms. */
  readonly ms: number;
  /** Median CPU time of the process (every thread, DuckDB's included) during one run, ms. */
  readonly cpuMs: number;
  /** Every timed run's wall time, ms, in order. */
  readonly samples: readonly number[];
}

export interface EtlFigures {
  readonly rows: number;
  readonly csvBytes: number;
  readonly reps: number;
  readonly portflow: Timing;
  readonly duckdb: Timing;
  /** Portflow's median ÷ DuckDB's median (wall time). */
  readonly ratio: number;
  readonly cpuRatio: number;
  /** Median duration of each Portflow step, ms. */
  readonly steps: Readonly<Record<(typeof STEPS)[number], number>>;
  /** Median time of `DESCRIBE SELECT * FROM read_csv(...)` alone on a fresh instance, ms: what binding a step's query costs. */
  readonly describeMs: number;
  /** Whether both Parquet files hold the same aggregates. */
  readonly sameResult: boolean;
}

interface Sample {
  ms: number;
  cpuMs: number;
  steps?: Record<string, number>;
}

async function timed(body: () => Promise<Record<string, number> | void>): Promise<Sample> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const steps = await body();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000, ...(steps ? { steps } : {}) };
}

/** One run through Portflow: load and compile the workflow, run it to its settled result. */
async function runPortflow(engine: ExecutionEngine, csv: string, parquet: string): Promise<Record<string, number>> {
  const workflow = loadWorkflowFile(PIPELINE, { registry: dataRegistry(), variables: { csv, parquet } });
  const result = await engine.run(workflow.graph, { variables: workflow.variables });
  if (result.status !== 'succeeded') throw new Error(`Portflow run ${result.status}: ${result.getErrorMessage() ?? ''}`);
  return Object.fromEntries(result.operations.map((op) => [op.operationId, op.durationMs ?? NaN]));
}

async function withDuckDB<T>(body: (connection: Awaited<ReturnType<DuckDBInstance['connect']>>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return await body(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** One run on DuckDB directly: a fresh instance, the COPY, closed. */
function runDuckDB(csv: string, parquet: string): Promise<void> {
  return withDuckDB(async (connection) => {
    await connection.run(directSql(csv, parquet));
  });
}

async function readAggregates(parquet: string): Promise<string> {
  const rows = await withDuckDB(async (c) => (await c.runAndReadAll(`SELECT category, round(amount_sum, 4) AS s, round(amount_mean, 8) AS m FROM read_parquet(?) ORDER BY category`, [parquet])).getRowObjectsJson());
  return JSON.stringify(rows);
}

const timing = (samples: readonly Sample[]): Timing => ({ ms: median(samples.map((s) => s.ms)), cpuMs: median(samples.map((s) => s.cpuMs)), samples: samples.map((s) => s.ms) });

export async function measureEtl(options: { rows: number; reps: number; warmup: number }): Promise<EtlFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'portflow-bench-etl-'));
  const csv = join(dir, 'sales.csv');
  const out = { portflow: join(dir, 'portflow.parquet'), duckdb: join(dir, 'duckdb.parquet') };
  const engine = new ExecutionEngine();
  try {
    await generateSales(csv, options.rows);
    const runners = [
      { name: 'portflow' as const, run: () => runPortflow(engine, csv, out.portflow) },
      { name: 'duckdb' as const, run: () => runDuckDB(csv, out.duckdb) },
    ];
    for (let i = 0; i < options.warmup; i++) for (const r of runners) await r.run();
    const samples: Record<'portflow' | 'duckdb', Sample[]> = { portflow: [], duckdb: [] };
    for (let rep = 0; rep < options.reps; rep++) {
      for (const r of rep % 2 === 0 ? runners : [...runners].reverse()) samples[r.name].push(await timed(r.run));
    }
    const describe: number[] = [];
    for (let rep = 0; rep < options.reps; rep++) {
      describe.push((await timed(() => withDuckDB(async (c) => void (await c.run(`DESCRIBE SELECT * FROM read_csv(?)`, [csv]))))).ms);
    }
    const portflow = timing(samples.portflow);
    const duckdb = timing(samples.duckdb);
    const steps = Object.fromEntries(STEPS.map((id) => [id, median(samples.portflow.map((s) => s.steps?.[id] ?? NaN))])) as Record<(typeof STEPS)[number], number>;
    return {
      rows: options.rows,
      csvBytes: (await stat(csv)).size,
      reps: options.reps,
      portflow,
      duckdb,
      ratio: portflow.ms / duckdb.ms,
      cpuRatio: portflow.cpuMs / duckdb.cpuMs,
      steps,
      describeMs: median(describe),
      sameResult: (await readAggregates(out.portflow)) === (await readAggregates(out.duckdb)),
    };
  } finally {
    await engine.close();
    await closeDuckDB();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The figures as markdown: a table, the ratio against the 1.3x budget, Portflow's steps. */
export function renderEtl(f: EtlFigures, budget = 1.3): string {
  const ms = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const runs = (t: Timing): string => t.samples.map(ms).join(', ');
  return [
    `ETL pipeline, ${f.rows.toLocaleString('en-US')} rows (${(f.csvBytes / 1024 / 1024).toFixed(1)} MiB of CSV), median of ${f.reps} runs each, taking turns:`,
    '',
    '| runner | wall ms | CPU ms (all threads) | runs, ms |',
    '| --- | ---: | ---: | --- |',
    `| Portflow (pipeline.yml, in process) | ${ms(f.portflow.ms)} | ${ms(f.portflow.cpuMs)} | ${runs(f.portflow)} |`,
    `| DuckDB alone (one COPY) | ${ms(f.duckdb.ms)} | ${ms(f.duckdb.cpuMs)} | ${runs(f.duckdb)} |`,
    `| **Portflow ÷ DuckDB** | **${f.ratio.toFixed(2)}x** | ${f.cpuRatio.toFixed(2)}x | |`,
    '',
    `- budget ${budget}x: ${f.ratio <= budget ? 'met' : 'missed'}; same aggregates in both files: ${f.sameResult ? 'yes' : 'NO'}`,
    `- Portflow's steps (medians): ${STEPS.map((s) => `${s} ${ms(f.steps[s])}`).join(', ')} ms`,
    `- \`DESCRIBE SELECT * FROM read_csv(...)\` alone, fresh instance: ${ms(f.describeMs)} ms`,
    '',
  ].join('\n');
}

if (require.main === module) {
  const arg = (name: string, fallback: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  measureEtl({ rows: Number(arg('rows', '1000000').replaceAll('_', '')), reps: Number(arg('reps', '5')), warmup: Number(arg('warmup', '1')) }).then(
    (figures) => process.stdout.write(renderEtl(figures)),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
