/**
 * Runs the worker-pool benchmarks in a process of its own and sends the
 * figures to the parent over IPC.
 */
import { join } from 'node:path';
import { GraphDefinition } from '@portflow/core';
import { Piscina } from 'piscina';
import { Burn, Nop } from './cpu-ops';
import { calibrate } from './spin';
import { median } from './stats';

interface CpuJob {
  readonly reps: number;
  readonly tasks: number;
  readonly taskMs: number;
  readonly overheadTasks: number;
}

type Engine = { run(graph: GraphDefinition): Promise<{ status: string; getErrorMessage(): string | undefined }>; close(): Promise<void> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const workers = require('@portflow/workers') as { createWorkerEngine(options: { cpuThreads: number; workers?: { root?: string } }): Engine };

/** Workers load the operations (dist/cpu-ops.js) by a path relative to this root: the bench package, wherever the process was started. */
const ROOT = join(__dirname, '..');

const TASK_FILE = join(__dirname, 'piscina-task.js');

function burnGraph(count: number, iterations: number): GraphDefinition {
  const graph = new GraphDefinition({ name: 'cpu' });
  for (let i = 0; i < count; i++) graph.add(new Burn({ id: `burn${i}`, params: { iterations } }));
  return graph;
}

function nopGraph(count: number): GraphDefinition {
  const graph = new GraphDefinition({ name: 'nop' });
  for (let i = 0; i < count; i++) graph.add(new Nop({ id: `nop${i}` }));
  return graph;
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

async function runGraph(engine: Engine, graph: GraphDefinition): Promise<void> {
  const result = await engine.run(graph);
  if (result.status !== 'succeeded') throw new Error(`worker run ${result.status}: ${result.getErrorMessage() ?? ''}`);
}

function runPiscina(pool: Piscina, count: number, iterations: number): Promise<unknown> {
  return Promise.all(Array.from({ length: count }, () => pool.run({ iterations })));
}

/** Raw piscina with at most `limit` tasks submitted at a time, as the engine does with cpuThreads = limit. */
async function runPiscinaCapped(pool: Piscina, count: number, limit: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      next++;
      await pool.run({ iterations: 0 });
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
}

async function main(job: CpuJob): Promise<void> {
  const iterations = calibrate(job.taskMs);
  const engines = { 2: workers.createWorkerEngine({ cpuThreads: 2, workers: { root: ROOT } }), 1: workers.createWorkerEngine({ cpuThreads: 1, workers: { root: ROOT } }) };
  const pools = {
    2: new Piscina({ filename: TASK_FILE, minThreads: 2, maxThreads: 2, idleTimeout: 60_000 }),
    1: new Piscina({ filename: TASK_FILE, minThreads: 1, maxThreads: 1, idleTimeout: 60_000 }),
  };
  const work = burnGraph(job.tasks, iterations);
  const warm = burnGraph(job.tasks, Math.round(iterations / 20));
  const nops = nopGraph(job.overheadTasks);
  // Warm-up: threads started, modules loaded, code compiled on both sides.
  for (const t of [2, 1] as const) {
    for (let k = 0; k < 2; k++) {
      await runGraph(engines[t], warm);
      await runPiscina(pools[t], job.tasks, Math.round(iterations / 20));
    }
  }
  for (let k = 0; k < 2; k++) {
    await runGraph(engines[2], nops);
    await runPiscina(pools[2], job.overheadTasks, 0);
  }

  const times: Record<string, number[]> = { pf2: [], pf1: [], pis2: [], pis1: [], pfNop: [], pisNop: [], pisNopCapped: [] };
  const variants: [string, () => Promise<unknown>][] = [
    ['pf2', () => runGraph(engines[2], work)],
    ['pf1', () => runGraph(engines[1], work)],
    ['pis2', () => runPiscina(pools[2], job.tasks, iterations)],
    ['pis1', () => runPiscina(pools[1], job.tasks, iterations)],
    ['pfNop', () => runGraph(engines[2], nops)],
    ['pisNop', () => runPiscina(pools[2], job.overheadTasks, 0)],
    ['pisNopCapped', () => runPiscinaCapped(pools[2], job.overheadTasks, 2)],
  ];
  for (let rep = 0; rep < job.reps; rep++) {
    const order = rep % 2 === 0 ? variants : [...variants].reverse();
    for (const [name, f] of order) times[name]!.push(await timed(f));
  }
  await Promise.all([engines[1].close(), engines[2].close(), pools[1].destroy(), pools[2].destroy()]);
  const m = (k: string): number => median(times[k]!);
  process.send!({
    type: 'cpu',
    iterations,
    pool: {
      tasks: job.tasks,
      taskMs: job.taskMs,
      portflow2Ms: m('pf2'),
      portflow1Ms: m('pf1'),
      piscina2Ms: m('pis2'),
      piscina1Ms: m('pis1'),
      speedup: m('pf1') / m('pf2'),
      piscinaSpeedup: m('pis1') / m('pis2'),
    },
    overhead: {
      tasks: job.overheadTasks,
      portflowUsPerTask: (m('pfNop') * 1000) / job.overheadTasks,
      piscinaUsPerTask: (m('pisNop') * 1000) / job.overheadTasks,
      piscinaCappedUsPerTask: (m('pisNopCapped') * 1000) / job.overheadTasks,
      ratio: m('pfNop') / m('pisNop'),
    },
    samples: times,
  });
}

process.once('message', (job: CpuJob) => {
  main(job).then(
    () => process.disconnect(),
    (error: unknown) => {
      process.send!({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      process.disconnect();
    },
  );
});
