/**
 * The coordinator: starts two `portflow worker` processes (unless told to
 * use workers already running), runs the primes graph on a distributed
 * engine, and says which worker ran which range.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import type { EngineEvent, ExecutionEngine, ExecutionResult } from '@portflow/core';
import { createDistributedEngine } from '@portflow/distributed';
import { buildPrimesGraph, type Workload } from './graph';

/** The example's folder: the workers' `--root`, against which jobs name `./dist/operations.js`. */
export const EXAMPLE_DIR = join(__dirname, '..');
/** The queue the example's CPU-bound operations go to, and its build id. */
export const QUEUE = 'cpu';
export const BUILD_ID = 'example';

/** How a run of the example gets its workers and reports: what both workloads (primes, ML training) take. */
export interface FleetOptions {
  /** Redis URL (default `$PORTFLOW_REDIS`, else redis://127.0.0.1:6379). */
  readonly redis: string;
  /**
   * Worker processes to start (default 2), each with 1 thread. 0: start none
   * and use workers already running (`portflow worker ... &`) under `prefix`.
   */
  readonly workers: number;
  /** Key prefix. Default: a fresh one (`portflow-example-...`), whose keys are deleted at the end; with `workers: 0`, `portflow`, left as it is. */
  readonly prefix?: string;
  /** Aborting it cancels the run (Ctrl-C in main.ts). */
  readonly signal?: AbortSignal;
  /** Every engine event, as it happens. */
  readonly onEvent?: (event: EngineEvent) => void;
  /** Lines to show (the workers' ready lines). */
  readonly log?: (line: string) => void;
}

/** Options of {@link runDistributedExample}. */
export interface ExampleOptions extends Workload, FleetOptions {}

/** One range's outcome. */
export interface RangeRow {
  readonly id: string;
  readonly from: number;
  readonly to: number;
  readonly count: number | undefined;
  /** `pid N` of the worker process that ran it. */
  readonly worker: string | undefined;
}

/** What {@link runDistributedExample} found. */
export interface ExampleOutcome {
  readonly result: ExecutionResult;
  readonly total: number | undefined;
  readonly rows: readonly RangeRow[];
  /** Pids of the worker processes this run started. */
  readonly workerPids: readonly number[];
  readonly prefix: string;
  readonly ms: number;
}

/** A started `portflow worker` process. */
interface WorkerProcess {
  readonly pid: number;
  stop(): Promise<void>;
}

/** The `portflow` command of @portflow/cli. */
function portflowBin(): string {
  return join(dirname(require.resolve('@portflow/cli/package.json')), 'bin', 'portflow.js');
}

/** Starts `portflow worker` loading `modules` (relative to the example's folder, or packages) and resolves when it prints its ready line. */
function startWorker(redis: string, prefix: string, log: (line: string) => void, modules: readonly string[] = ['./dist/operations.js']): Promise<WorkerProcess> {
  const args = [portflowBin(), 'worker', '--redis', redis, '--prefix', prefix, '--queue', QUEUE, '--build-id', BUILD_ID, '--root', EXAMPLE_DIR];
  for (const module of modules) args.push('--require', module);
  args.push('--concurrency', '1', '--threads', '1');
  const child = spawn(process.execPath, args, { cwd: EXAMPLE_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    let stdout = '';
    let ready = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const line = /^portflow worker ready.*$/m.exec(stdout);
      if (!ready && line !== null) {
        ready = true;
        log(line[0]);
        resolve({
          pid: child.pid!,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM'); // drains: a running job finishes
            await exited;
          },
        });
      }
    });
    void exited.then(() => ready || reject(new Error(`portflow worker exited before it was ready: ${stderr.trim()}`)));
  });
}

/** Deletes every key under `prefix`. */
async function deleteKeysUnder(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/**
 * Runs the example: the primes graph (`chunks` CPU-bound ranges and their
 * total) with `createDistributedEngine`, on `workers` worker processes it
 * starts (and stops, by pid) itself. With its own prefix, the run's keys are
 * deleted at the end, whatever happened.
 *
 * @example
 * ```ts
 * const { total, rows } = await runDistributedExample({ redis: 'redis://127.0.0.1:6379', workers: 2, chunks: 8, chunkSize: 1_000_000 });
 * ```
 */
export async function runDistributedExample(options: ExampleOptions): Promise<ExampleOutcome> {
  return withWorkers(options, ['./dist/operations.js'], async (engine, fleet) => {
    const { graph, ranges, total } = buildPrimesGraph(options);
    const t0 = performance.now();
    const run = engine.start(graph, { retainOutputs: true, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    if (options.onEvent !== undefined) run.events$.subscribe(options.onEvent);
    const result = await run.result;
    const ms = performance.now() - t0;
    const output = <T>(id: string, port: string): T | undefined => (result.status === 'succeeded' || result.operations.some((o) => o.operationId === id && o.status === 'succeeded') ? (result.getOutput(id, port) as T) : undefined);
    return {
      result,
      total: output<number>(total.id, 'total'),
      rows: ranges.map((r) => ({ id: r.id, from: r.params.from, to: r.params.to, count: output<number>(r.id, 'count'), worker: output<string>(r.id, 'worker') })),
      ...fleet,
      ms,
    };
  });
}

/**
 * Starts `options.workers` worker processes loading `modules` under the
 * prefix (a fresh one unless given), and calls `run` with a distributed
 * engine whose `cpu_bound` operations become jobs on queue `cpu`; then stops
 * the workers (by pid) and deletes a fresh prefix's keys, whatever happened.
 */
export async function withWorkers<T>(
  options: FleetOptions,
  modules: readonly string[],
  run: (engine: ExecutionEngine, fleet: { readonly workerPids: readonly number[]; readonly prefix: string }) => Promise<T>,
): Promise<T> {
  const log = options.log ?? (() => undefined);
  const own = options.prefix === undefined && options.workers > 0;
  const prefix = options.prefix ?? (own ? `portflow-example-${process.pid}-${randomUUID().slice(0, 8)}` : 'portflow');
  const workers: WorkerProcess[] = [];
  try {
    const started = await Promise.allSettled(Array.from({ length: options.workers }, () => startWorker(options.redis, prefix, log, modules)));
    for (const s of started) if (s.status === 'fulfilled') workers.push(s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    // The engine is the coordinator: cpu_bound operations become jobs on queue `cpu`; the others run here.
    await using engine = createDistributedEngine({ connection: options.redis, prefix, buildId: BUILD_ID, root: EXAMPLE_DIR, queues: { cpu_bound: QUEUE } });
    return await run(engine, { workerPids: workers.map((w) => w.pid), prefix });
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    if (own) await deleteKeysUnder(options.redis, prefix);
  }
}
