#!/usr/bin/env node
/**
 * `node bench/dist/checkpoints.js [--n=10000] [--reps=5] [--postgres=URL]`:
 * the cost of recording a run (issue: durable runs). The layered no-op DAG
 * (the scheduling benchmark's Step: a collecting input, one output, a channel
 * per edge) runs without a store, with the in-memory checkpoint store, and
 * recorded in SQLite and PostgreSQL (`checkpointsIn(openRunStore(...))`:
 * every operation's record, cache key, encoded outputs and every event
 * written). Each variant: warm-up runs, then `reps` runs of freshly built
 * graphs, each in a fresh store; the median µs per operation is printed with
 * what the store adds over no store, as a markdown table.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Collect, ExecutionEngine, GraphDefinition, MemoryCheckpointStore, Operation, Output, type CheckpointStore, type CollectInputPort, type OutputPort, type Outputs } from '@portflow/core';
import { checkpointsIn, openRunStore, type RunStore } from '@portflow/store';
import { Client } from 'pg';
import { median } from './stats';
import { makeWorkload, type Workload } from './workloads';

class Step extends Operation {
  @Collect() in!: CollectInputPort<unknown>;
  @Output() out!: OutputPort<unknown>;
  async execute(): Promise<Outputs<Step>> {
    return { out: 0 };
  }
}

function build(w: Workload): GraphDefinition {
  const graph = new GraphDefinition({ name: `layered-${w.n}`, requireIds: true });
  const ops = Array.from({ length: w.n }, (_, i) => new Step({ id: `n${i}` }));
  graph.add(...ops);
  for (let i = 0; i < w.n; i++) for (const p of w.parents[i]!) graph.connect(ops[p]!, 'out', ops[i]!, 'in');
  graph.validate();
  return graph;
}

/** A fresh place to record one run, and how to clean it up. */
interface Target {
  readonly label: string;
  open(): Promise<{ store: CheckpointStore | undefined; close(): Promise<void> }>;
}

export interface CheckpointFigures {
  readonly n: number;
  readonly rows: readonly { readonly label: string; readonly usPerOp: number; readonly addedUsPerOp: number; readonly cpuUsPerOp: number; readonly addedCpuUsPerOp: number }[];
  readonly notes: readonly string[];
}

export async function measureCheckpoints(options: { n: number; reps: number; warmup: number; postgres?: string | undefined }): Promise<CheckpointFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'portflow-bench-store-'));
  const notes: string[] = [];
  const targets: Target[] = [
    { label: 'no store', open: async () => ({ store: undefined, close: async () => undefined }) },
    { label: 'in memory (MemoryCheckpointStore)', open: async () => ({ store: new MemoryCheckpointStore(), close: async () => undefined }) },
    {
      label: 'SQLite (libsql, WAL)',
      open: async () => {
        const runs = await openRunStore(join(dir, `${randomBytes(4).toString('hex')}.db`), { blobs: join(dir, 'objects') });
        return { store: checkpointsIn(runs), close: () => runs.close() };
      },
    },
  ];
  if (options.postgres !== undefined) {
    const url = options.postgres;
    const reachable = await withClient(url, (c) => c.query('SELECT 1')).then(
      () => true,
      (error: unknown) => {
        notes.push(`PostgreSQL at ${url.replace(/\/\/[^@]*@/, '//')} not measured: ${error instanceof Error ? error.message : String(error)}`);
        return false;
      },
    );
    if (reachable) {
      targets.push({
        label: 'PostgreSQL (pg)',
        open: async () => {
          const schema = `pf_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
          const runs: RunStore = await openRunStore(url, { schema, blobs: join(dir, 'objects') });
          return {
            store: checkpointsIn(runs),
            close: async () => {
              await runs.close();
              await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
            },
          };
        },
      });
    }
  }
  const engine = new ExecutionEngine();
  const w = makeWorkload('layered', options.n);
  const small = makeWorkload('layered', Math.min(1_000, options.n));
  const rows: { label: string; usPerOp: number; addedUsPerOp: number; cpuUsPerOp: number; addedCpuUsPerOp: number }[] = [];
  try {
    for (const target of targets) {
      for (let i = 0; i < options.warmup; i++) await runOnce(engine, target, small);
      const times: number[] = [];
      const cpu: number[] = [];
      for (let r = 0; r < options.reps; r++) {
        const t = await runOnce(engine, target, w);
        times.push(t.ms);
        cpu.push(t.cpuMs);
      }
      const usPerOp = (median(times) * 1000) / options.n;
      const cpuUsPerOp = (median(cpu) * 1000) / options.n;
      rows.push({
        label: target.label,
        usPerOp,
        addedUsPerOp: rows.length === 0 ? 0 : usPerOp - rows[0]!.usPerOp,
        cpuUsPerOp,
        addedCpuUsPerOp: rows.length === 0 ? 0 : cpuUsPerOp - rows[0]!.cpuUsPerOp,
      });
    }
  } finally {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
  return { n: options.n, rows, notes };
}

/**
 * Builds a fresh graph and store, and times one run (to its settled result:
 * every record written): wall time, and the process's CPU time (all threads;
 * less sensitive than wall time to other load on a shared machine).
 */
async function runOnce(engine: ExecutionEngine, target: Target, w: Workload): Promise<{ ms: number; cpuMs: number }> {
  const graph = build(w);
  const { store, close } = await target.open();
  try {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const result = await engine.run(graph, store === undefined ? {} : { store });
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (result.status !== 'succeeded') throw new Error(`run ${result.status}: ${result.getErrorMessage() ?? ''}`);
    return { ms, cpuMs: (c.user + c.system) / 1000 };
  } finally {
    await close();
  }
}

async function withClient<T>(url: string, body: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

export function renderCheckpoints(figures: CheckpointFigures): string {
  const lines = [
    `| store | µs per operation | added by the store | CPU µs per operation | CPU added by the store |`,
    `| --- | ---: | ---: | ---: | ---: |`,
    ...figures.rows.map((r) => {
      const first = r.label === 'no store';
      return `| ${r.label} | ${r.usPerOp.toFixed(2)} | ${first ? '-' : r.addedUsPerOp.toFixed(2)} | ${r.cpuUsPerOp.toFixed(2)} | ${first ? '-' : r.addedCpuUsPerOp.toFixed(2)} |`;
    }),
  ];
  return `Layered DAG, N = ${figures.n.toLocaleString('en-US')}, checkpoint after every operation:\n\n${lines.join('\n')}\n${figures.notes.map((n) => `\n- ${n}`).join('')}\n`;
}

if (require.main === module) {
  const arg = (name: string, fallback: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  measureCheckpoints({ n: Number(arg('n', '10000')), reps: Number(arg('reps', '5')), warmup: Number(arg('warmup', '3')), postgres: arg('postgres', process.env.PORTFLOW_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test') }).then(
    (figures) => process.stdout.write(renderCheckpoints(figures)),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
