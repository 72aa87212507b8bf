#!/usr/bin/env node
/**
 * `node bench/dist/distributed.js [--ops=1000] [--reps=3] [--concurrency=16]
 * [--cpu-tasks=16] [--cpu-ms=200] [--workers=1,2] [--profile] [--json]`:
 * distributed execution (`@portflow/distributed`) against raw BullMQ, in the
 * same run, on the same Redis (`$PORTFLOW_REDIS`, default
 * redis://127.0.0.1:6379).
 *
 * - **No-op operations**, for 1 and 2 worker processes (`--workers`):
 *   *wide* (`ops` independent operations, all ready at once; time until all
 *   completed) and *chain* (`ops` operations in a line; each ready when the
 *   one before completed). Portflow: a graph of {@link Hop}s run by
 *   `createDistributedEngine` on `portflow worker` processes (the built CLI).
 *   Raw BullMQ: a `Queue` + `QueueEvents` in this process and plain BullMQ
 *   `Worker` processes (`bullmq-worker.js`) with a processor that returns
 *   `x + 1`: `ops` jobs added at once (one `addBulk`, as the executor adds
 *   the jobs that become ready in one turn of the event loop), or one job
 *   (`add`) added when the one before completed. Same Redis, same
 *   number of worker processes, same worker concurrency, the executor's job
 *   and worker options (`attempts: 1`, `removeOnComplete: false`,
 *   lockDuration 5000, stalledInterval 2000, maxStalledCount 2). Figures:
 *   µs per operation (median wall time ÷ ops), chain hop latency p50 / p99
 *   (the time between two successive completions seen by the coordinator,
 *   every hop of every measured repetition), CPU time of this process and of
 *   the worker processes per operation, and Portflow ÷ raw.
 * - **CPU**: `cpuTasks` independent operations of `cpuMs` busy CPU each
 *   (`Burn` of cpu-ops.ts, `cpu_bound`): on a single thread (`new
 *   ExecutionEngine()`, which runs them inline, one after the other), on the
 *   in-process worker-thread pool (`createWorkerEngine({ cpuThreads: 2 })`),
 *   and on 2 `portflow worker` processes with 1 thread each; wall time and
 *   speedup over the single thread.
 *
 * Repetitions alternate raw and Portflow (forward, then reverse order), after
 * a warm-up run of each shape on each side, of the full size (steady state,
 * as in a long-lived coordinator). Every measurement block uses key prefixes of its
 * own and deletes their keys afterwards; worker processes are ended by pid.
 * `--profile` also counts the Redis commands each side sends per operation
 * (by wrapping ioredis' `sendCommand` in this process and, through
 * `--require`, in the worker processes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { ExecutionEngine, GraphDefinition, type EngineEvent, type ExecutionResult } from '@portflow/core';
import { createDistributedEngine } from '@portflow/distributed';
import type * as CpuOps from './cpu-ops';
import type * as DistributedOps from './distributed-ops';
import { sig, table } from './format';
import { ignoreRedisClient, installRedisCounter, takeRedisCounts } from './redis-counter';
import { calibrate, spin } from './spin';
import { median } from './stats';

/** The bench package: the workers' root; they load `./dist/distributed-ops.js` and `./dist/cpu-ops.js` from it. */
const BENCH_ROOT = join(__dirname, '..');
const DIST = join(BENCH_ROOT, 'dist');
/** The built `portflow` command. */
export const CLI_BIN = join(BENCH_ROOT, '..', 'packages', 'cli', 'dist', 'bin.js');
const RAW_WORKER = join(DIST, 'bullmq-worker.js');
const COUNTER = join(DIST, 'redis-counter.js');
const BUILD_ID = 'bench';
const JOB_OPTIONS = { attempts: 1, removeOnComplete: false, removeOnFail: false } as const;

function requireBuilt<T>(file: string): T {
  if (!existsSync(file)) throw new Error(`${file} is missing: build first (npx turbo run build)`);
  return require(file) as T; // eslint-disable-line @typescript-eslint/no-require-imports
}

/** Options of {@link measureDistributed}. */
export interface DistributedOptions {
  /** Redis URL. */
  readonly redis: string;
  /** No-op operations per shape (1000). */
  readonly ops: number;
  /** Measured repetitions of each case (3). */
  readonly reps: number;
  /** Worker process counts to measure the no-op shapes on ([1, 2]). */
  readonly workers: readonly number[];
  /** Jobs each worker process runs at once, raw and Portflow alike (16). */
  readonly concurrency: number;
  /** CPU-bound operations in the CPU comparison (16); 0 skips it. */
  readonly cpuTasks: number;
  /** Busy CPU per operation, ms (200). */
  readonly cpuMs: number;
  /** Count Redis commands per operation on each side. */
  readonly profile: boolean;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** Default options: the issue's 1,000 operations, 3 repetitions, 16 x 200 ms CPU. */
export const DEFAULTS: Omit<DistributedOptions, 'redis'> = { ops: 1000, reps: 3, workers: [1, 2], concurrency: 16, cpuTasks: 16, cpuMs: 200, profile: false };

/** Figures of one side (raw or Portflow) of one case, medians over the repetitions. */
export interface SideFigures {
  /** Median wall time of one run, ms. */
  readonly wallMs: number;
  /** Median wall time ÷ operations, µs. */
  readonly usPerOp: number;
  /** CPU time of this process (the coordinator) per operation, µs (median). */
  readonly coordinatorCpuUsPerOp: number;
  /** CPU time of the worker processes together per operation, µs (median; 10 ms resolution per run). */
  readonly workersCpuUsPerOp: number;
  /** CPU time of the Redis server per operation, µs (median; the whole server: other clients of the same server count too). */
  readonly redisCpuUsPerOp: number;
  /** Chain only: time between two successive completions, ms, over every hop of every repetition. */
  readonly hopP50Ms?: number;
  readonly hopP99Ms?: number;
  /** Every repetition's wall time, ms. */
  readonly samples: readonly number[];
  /** With `profile`: Redis commands per operation sent by this process and by the workers, by command (`evalsha` counted once per script call). */
  readonly commandsPerOp?: { readonly coordinator: Readonly<Record<string, number>>; readonly workers: Readonly<Record<string, number>> };
}

/** One shape on one worker count. */
export interface NoopCase {
  readonly shape: 'wide' | 'chain';
  readonly workers: number;
  readonly raw: SideFigures;
  readonly portflow: SideFigures;
  /** Portflow µs/op ÷ raw µs/op. */
  readonly ratio: number;
  /** Chain only: Portflow hop p50 ÷ raw hop p50. */
  readonly hopP50Ratio?: number;
  /** `os.loadavg()` when the block started. */
  readonly load: readonly number[];
}

/** The CPU comparison. */
export interface CpuFigures {
  readonly tasks: number;
  readonly taskMs: number;
  /** `spin` iterations that took about `taskMs` here. */
  readonly iterations: number;
  /** Median wall times, ms. */
  readonly singleThreadMs: number;
  readonly threadPoolMs: number;
  readonly processesMs: number;
  /** Median CPU time of this process per run, ms (the pool's threads included). */
  readonly singleThreadCpuMs: number;
  readonly threadPoolCpuMs: number;
  /** This process's and the worker processes' CPU time per run (median), ms. */
  readonly processesCoordinatorCpuMs: number;
  readonly processesWorkersCpuMs: number;
  /** Single thread ÷ each. */
  readonly threadPoolSpeedup: number;
  readonly processesSpeedup: number;
  /** Which worker pid ran how many operations, in the last measured run. */
  readonly perWorker: Readonly<Record<string, number>>;
  readonly cores: number;
  readonly load: readonly number[];
}

/** Everything one run measured. */
export interface DistributedFigures {
  readonly options: Omit<DistributedOptions, 'log'>;
  readonly node: string;
  readonly cores: number;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly noop: readonly NoopCase[];
  readonly cpu?: CpuFigures;
  /** Every run returned the expected values (no-op chains end with `ops`, wide ones give 1 each; every Burn the local spin's value). */
  readonly correct: boolean;
  /** The budget: Portflow within 1.5x of raw BullMQ, µs per operation, every case. */
  readonly budget: { readonly limit: number; readonly worst: number; readonly met: boolean };
  /** The Redis key prefixes the run used (all deleted at its end). */
  readonly prefixes: readonly string[];
  readonly totalMs: number;
}

// ---------------------------------------------------------------------------------------------
// Processes

/** A child process that printed its ready line. */
interface Proc {
  readonly pid: number;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** user + system CPU time so far, ms (from /proc; 10 ms resolution). */
  cpuMs(): number;
  /** SIGUSR2 (profile): the counter module writes its counts to stderr; resolves with them. */
  counts(): Promise<Record<string, number>>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/** Starts `node ...args` and resolves once its stdout holds `ready`. */
function spawnReady(args: readonly string[], profile: boolean): Promise<Proc> {
  const env = { ...process.env, ...(profile ? { PF_REDIS_COUNTER: '1', NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${COUNTER}`.trim() } : {}) };
  const child: ChildProcess = spawn(process.execPath, args, { cwd: BENCH_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stdout = '';
  let stderr = '';
  let countWaiter: ((counts: Record<string, number>) => void) | undefined;
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    const match = /pf-redis-counts (\{.*\})\n/.exec(stderr);
    if (match !== null && countWaiter !== undefined) {
      stderr = stderr.replace(match[0], '');
      const w = countWaiter;
      countWaiter = undefined;
      w(JSON.parse(match[1]!) as Record<string, number>);
    }
  });
  return new Promise((resolve, reject) => {
    let ready = false;
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!ready && stdout.includes('ready')) {
        ready = true;
        resolve({
          pid: child.pid!,
          stdout: () => stdout,
          stderr: () => stderr,
          cpuMs: () => procCpuMs(child.pid!),
          counts: () =>
            new Promise((resolveCounts) => {
              countWaiter = resolveCounts;
              child.kill('SIGUSR2');
            }),
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    void exited.then(() => {
      if (!ready) reject(new Error(`${args.join(' ')} exited before it was ready: ${stderr.trim()}`));
    });
  });
}

/** `count` `portflow worker` processes on `queues`, under `prefix`. */
function portflowWorkers(redis: string, prefix: string, queues: readonly string[], count: number, concurrency: number, threads: number, profile: boolean): Promise<Proc[]> {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: build first (npx turbo run build)`);
  const args = [CLI_BIN, 'worker', '--redis', redis, '--prefix', prefix, '--build-id', BUILD_ID, '--root', BENCH_ROOT];
  for (const q of queues) args.push('--queue', q);
  args.push('--require', './dist/distributed-ops.js', '--require', './dist/cpu-ops.js', '--concurrency', String(concurrency), '--threads', String(threads));
  return Promise.all(Array.from({ length: count }, () => spawnReady(args, profile)));
}

function rawWorkers(redis: string, prefix: string, queue: string, count: number, concurrency: number, profile: boolean): Promise<Proc[]> {
  if (!existsSync(RAW_WORKER)) throw new Error(`${RAW_WORKER} is missing: build the bench package first`);
  return Promise.all(Array.from({ length: count }, () => spawnReady([RAW_WORKER, redis, prefix, queue, String(concurrency)], profile)));
}

async function deleteKeysUnder(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) deleted += await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  return deleted;
}

async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return (field('used_cpu_sys') + field('used_cpu_user')) * 1000;
}

// ---------------------------------------------------------------------------------------------
// Redis command counts (--profile)

function addCounts(into: Map<string, number>, counts: Record<string, number>): void {
  for (const [name, n] of Object.entries(counts)) into.set(name, (into.get(name) ?? 0) + n);
}

function perOp(counts: Map<string, number>, ops: number): Record<string, number> {
  const out: Record<string, number> = {};
  let total = 0;
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1])) {
    out[name] = n / ops;
    if (name !== 'roundTrips') total += n;
  }
  out.commands = total / ops;
  return out;
}

// ---------------------------------------------------------------------------------------------
// One measured run of a side

interface RunSample {
  ms: number;
  coordinatorCpuMs: number;
  workersCpuMs: number;
  redisCpuMs: number;
  hops: number[];
  correct: boolean;
}

/** What both sides implement: run `ops` no-ops of a shape, report completion times. */
interface Side {
  run(shape: 'wide' | 'chain', ops: number): Promise<{ completions: number[]; correct: boolean }>;
}

async function measured(side: Side, shape: 'wide' | 'chain', ops: number, workers: readonly Proc[], redis: Redis): Promise<RunSample> {
  const w0 = workers.reduce((s, w) => s + w.cpuMs(), 0);
  const r0 = await redisCpuMs(redis);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { completions, correct } = await side.run(shape, ops);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const r1 = await redisCpuMs(redis);
  const w1 = workers.reduce((s, w) => s + w.cpuMs(), 0);
  const hops: number[] = [];
  if (shape === 'chain') for (let i = 1; i < completions.length; i++) hops.push(completions[i]! - completions[i - 1]!);
  return { ms, coordinatorCpuMs: (c.user + c.system) / 1000, workersCpuMs: w1 - w0, redisCpuMs: r1 - r0, hops, correct };
}

/** Raw BullMQ: a queue and its events in this process. */
class RawSide implements Side {
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  readonly #waiting = new Map<string, { resolve: (value: number) => void; reject: (error: Error) => void }>();
  #runs = 0;

  private constructor(queue: Queue, events: QueueEvents) {
    this.#queue = queue;
    this.#events = events;
    events.on('completed', ({ jobId, returnvalue }) => {
      const w = this.#waiting.get(jobId);
      if (w === undefined) return;
      this.#waiting.delete(jobId);
      w.resolve(Number(typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue));
    });
    events.on('failed', ({ jobId, failedReason }) => {
      const w = this.#waiting.get(jobId);
      if (w === undefined) return;
      this.#waiting.delete(jobId);
      w.reject(new Error(`raw job ${jobId} failed: ${failedReason}`));
    });
  }

  /** The same connection set-up as the executor: a queue, and events read from the stream's end as it is now. */
  static async open(redis: Redis, url: string, prefix: string, queueName: string): Promise<RawSide> {
    const { hostname, port } = new URL(url);
    const connection = { host: hostname || '127.0.0.1', port: port ? Number(port) : 6379, maxRetriesPerRequest: null };
    const queue = new Queue(queueName, { connection, prefix });
    const last = (await redis.xrevrange(`${prefix}:${queueName}:events`, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
    const events = new QueueEvents(queueName, { connection, prefix, lastEventId: last });
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    return new RawSide(queue, events);
  }

  #addAndWait(jobId: string, x: number): Promise<number> {
    const done = new Promise<number>((resolve, reject) => this.#waiting.set(jobId, { resolve, reject }));
    return this.#queue.add('nop', { x }, { jobId, ...JOB_OPTIONS }).then(() => done);
  }

  async run(shape: 'wide' | 'chain', ops: number): Promise<{ completions: number[]; correct: boolean }> {
    const run = `r${++this.#runs}-${randomUUID().slice(0, 8)}`;
    const completions: number[] = [];
    if (shape === 'wide') {
      // Added with one addBulk, as the executor adds the jobs that became ready in one turn of the event loop.
      const ids = Array.from({ length: ops }, (_, i) => `${run}.n${i}`);
      const done = ids.map(
        (jobId) =>
          new Promise<number>((resolve, reject) => this.#waiting.set(jobId, { resolve, reject })).then((v) => {
            completions.push(performance.now());
            return v;
          }),
      );
      await this.#queue.addBulk(ids.map((jobId) => ({ name: 'nop', data: { x: 0 }, opts: { jobId, ...JOB_OPTIONS } })));
      const values = await Promise.all(done);
      return { completions, correct: values.every((v) => v === 1) };
    }
    let x = 0;
    for (let i = 0; i < ops; i++) {
      x = await this.#addAndWait(`${run}.n${i}`, x);
      completions.push(performance.now());
    }
    return { completions, correct: x === ops };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#events.close(), this.#queue.close()]);
  }
}

/** Portflow: graphs of Hops on a distributed engine. */
class PortflowSide implements Side {
  readonly #engine: ExecutionEngine;
  readonly #Hop: typeof DistributedOps.Hop;

  constructor(engine: ExecutionEngine, hop: typeof DistributedOps.Hop) {
    this.#engine = engine;
    this.#Hop = hop;
  }

  async run(shape: 'wide' | 'chain', ops: number): Promise<{ completions: number[]; correct: boolean }> {
    const graph = new GraphDefinition({ name: `${shape}-${ops}` });
    const hops: DistributedOps.Hop[] = Array.from({ length: ops }, (_, i) => new this.#Hop({ id: `n${i}` }));
    graph.add(...hops);
    if (shape === 'chain') for (let i = 1; i < ops; i++) graph.connect(hops[i - 1]!, 'out', hops[i]!, 'in');
    const completions: number[] = [];
    const run = this.#engine.start(graph, { retainOutputs: true });
    run.events$.subscribe((event: EngineEvent) => {
      if (event.type === 'OperationCompleted') completions.push(performance.now());
    });
    const result: ExecutionResult = await run.result;
    if (result.status !== 'succeeded') throw new Error(`Portflow ${shape} run ${result.status}: ${result.getErrorMessage() ?? ''}`);
    const correct = shape === 'chain' ? result.getOutput(`n${ops - 1}`, 'out') === ops : hops.every((op) => result.getOutput(op.id, 'out') === 1);
    return { completions, correct };
  }
}

function pct(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function summarize(samples: readonly RunSample[], ops: number, shape: 'wide' | 'chain', commands?: SideFigures['commandsPerOp']): SideFigures {
  const m = (f: (s: RunSample) => number): number => median(samples.map(f));
  const hops = samples.flatMap((s) => s.hops);
  return {
    wallMs: m((s) => s.ms),
    usPerOp: (m((s) => s.ms) * 1000) / ops,
    coordinatorCpuUsPerOp: (m((s) => s.coordinatorCpuMs) * 1000) / ops,
    workersCpuUsPerOp: (m((s) => s.workersCpuMs) * 1000) / ops,
    redisCpuUsPerOp: (m((s) => s.redisCpuMs) * 1000) / ops,
    ...(shape === 'chain' ? { hopP50Ms: pct(hops, 50), hopP99Ms: pct(hops, 99) } : {}),
    samples: samples.map((s) => s.ms),
    ...(commands === undefined ? {} : { commandsPerOp: commands }),
  };
}

// ---------------------------------------------------------------------------------------------
// The benchmark

/** Runs the no-op comparison for one worker count: raw and Portflow workers side by side, alternating. */
async function noopBlock(options: DistributedOptions, count: number, redis: Redis, hop: typeof DistributedOps.Hop, prefixes: string[]): Promise<{ cases: NoopCase[]; correct: boolean }> {
  const load = loadavg();
  const tag = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const rawPrefix = `pfbench-raw-${tag}`;
  const pfPrefix = `pfbench-pf-${tag}`;
  prefixes.push(rawPrefix, pfPrefix);
  const procs: { raw: Proc[]; pf: Proc[] } = { raw: [], pf: [] };
  let raw: RawSide | undefined;
  let engine: ExecutionEngine | undefined;
  let correct = true;
  try {
    [procs.raw, procs.pf] = await Promise.all([
      rawWorkers(options.redis, rawPrefix, 'nop', count, options.concurrency, options.profile),
      portflowWorkers(options.redis, pfPrefix, ['nop'], count, options.concurrency, 1, options.profile),
    ]);
    raw = await RawSide.open(redis, options.redis, rawPrefix, 'nop');
    engine = createDistributedEngine({ connection: options.redis, prefix: pfPrefix, buildId: BUILD_ID, root: BENCH_ROOT, queues: { io_bound: 'nop' } });
    const sides = { raw: raw as Side, pf: new PortflowSide(engine, hop) as Side };
    const shapes = ['wide', 'chain'] as const;
    // Warm-up: connections, scripts loaded, code compiled on every side.
    const warm = options.ops;
    for (const shape of shapes) for (const key of ['raw', 'pf'] as const) correct = (await sides[key].run(shape, warm)).correct && correct;
    const samples = new Map<string, RunSample[]>();
    const commands = new Map<string, { coordinator: Map<string, number>; workers: Map<string, number> }>();
    const order = shapes.flatMap((shape) => (['raw', 'pf'] as const).map((key) => ({ shape, key })));
    if (options.profile) {
      takeRedisCounts();
      await Promise.all([...procs.raw, ...procs.pf].map((p) => p.counts()));
    }
    for (let rep = 0; rep < options.reps; rep++) {
      for (const { shape, key } of rep % 2 === 0 ? order : [...order].reverse()) {
        options.log?.(`  ${count} worker(s), ${shape}, ${key === 'raw' ? 'raw BullMQ' : 'Portflow'}, repetition ${rep + 1}/${options.reps}`);
        const sample = await measured(sides[key], shape, options.ops, procs[key], redis);
        correct = sample.correct && correct;
        const id = `${shape}/${key}`;
        samples.set(id, [...(samples.get(id) ?? []), sample]);
        if (options.profile) {
          const entry = commands.get(id) ?? { coordinator: new Map(), workers: new Map() };
          addCounts(entry.coordinator, takeRedisCounts());
          for (const counts of await Promise.all(procs[key].map((p) => p.counts()))) addCounts(entry.workers, counts);
          commands.set(id, entry);
        }
      }
    }
    const side = (shape: 'wide' | 'chain', key: 'raw' | 'pf'): SideFigures => {
      const c = commands.get(`${shape}/${key}`);
      const n = options.ops * options.reps;
      return summarize(samples.get(`${shape}/${key}`)!, options.ops, shape, c === undefined ? undefined : { coordinator: perOp(c.coordinator, n), workers: perOp(c.workers, n) });
    };
    const cases = shapes.map((shape): NoopCase => {
      const r = side(shape, 'raw');
      const p = side(shape, 'pf');
      return { shape, workers: count, raw: r, portflow: p, ratio: p.usPerOp / r.usPerOp, ...(shape === 'chain' ? { hopP50Ratio: p.hopP50Ms! / r.hopP50Ms! } : {}), load };
    });
    return { cases, correct };
  } finally {
    await engine?.close();
    await raw?.close();
    await Promise.all([...procs.raw, ...procs.pf].map((p) => p.stop()));
    await deleteKeysUnder(redis, rawPrefix);
    await deleteKeysUnder(redis, pfPrefix);
  }
}

/** The CPU comparison: single thread, in-process thread pool, 2 worker processes with a thread each. */
async function cpuBlock(options: DistributedOptions, redis: Redis, prefixes: string[]): Promise<{ figures: CpuFigures; correct: boolean }> {
  const { Burn } = requireBuilt<typeof CpuOps>(join(DIST, 'cpu-ops.js'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createWorkerEngine } = require('@portflow/workers') as typeof import('@portflow/workers');
  const load = loadavg();
  const iterations = calibrate(options.cpuMs);
  const expected = spin(iterations);
  const prefix = `pfbench-cpu-${process.pid}-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  const processes = 2;
  let workers: Proc[] = [];
  const single = new ExecutionEngine();
  const pool = createWorkerEngine({ cpuThreads: 2, workers: { root: BENCH_ROOT } });
  let remote: ExecutionEngine | undefined;
  let correct = true;
  let perWorker: Record<string, number> = {};
  try {
    workers = await portflowWorkers(options.redis, prefix, ['cpu'], processes, 1, 1, false);
    remote = createDistributedEngine({ connection: options.redis, prefix, buildId: BUILD_ID, root: BENCH_ROOT, queues: { cpu_bound: 'cpu' } });
    const graph = (n: number, it: number): GraphDefinition => {
      const g = new GraphDefinition({ name: 'cpu' });
      for (let i = 0; i < n; i++) g.add(new Burn({ id: `burn${i}`, params: { iterations: it } }));
      return g;
    };
    const engines = { single: single as ExecutionEngine, pool: pool as unknown as ExecutionEngine, processes: remote };
    const runOn = async (key: keyof typeof engines, n: number, it: number, want: number | undefined): Promise<{ ms: number; cpuMs: number; workersCpuMs: number }> => {
      const g = graph(n, it);
      const w0 = workers.reduce((s, w) => s + w.cpuMs(), 0);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const result = await engines[key].run(g, { retainOutputs: true });
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (result.status !== 'succeeded') throw new Error(`CPU run on ${key} ${result.status}: ${result.getErrorMessage() ?? ''}`);
      if (want !== undefined) for (let i = 0; i < n; i++) correct = result.getOutput(`burn${i}`, 'out') === want && correct;
      return { ms, cpuMs: (c.user + c.system) / 1000, workersCpuMs: workers.reduce((s, w) => s + w.cpuMs(), 0) - w0 };
    };
    const warmIt = Math.max(1, Math.round(iterations / 20));
    for (const key of ['single', 'pool', 'processes'] as const) await runOn(key, options.cpuTasks, warmIt, undefined);
    const times: Record<string, { ms: number; cpuMs: number; workersCpuMs: number }[]> = { single: [], pool: [], processes: [] };
    const order = ['single', 'pool', 'processes'] as const;
    for (let rep = 0; rep < options.reps; rep++) {
      for (const key of rep % 2 === 0 ? order : [...order].reverse()) {
        options.log?.(`  CPU, ${key}, repetition ${rep + 1}/${options.reps}`);
        times[key]!.push(await runOn(key, options.cpuTasks, iterations, expected));
      }
    }
    const m = (key: string, f: (t: { ms: number; cpuMs: number; workersCpuMs: number }) => number): number => median(times[key]!.map(f));
    // Which worker ran what: each worker's CPU time in one more run, in operations (the single thread's CPU time per operation).
    const before = workers.map((w) => w.cpuMs());
    await runOn('processes', options.cpuTasks, iterations, expected);
    const perTask = m('single', (t) => t.cpuMs) / options.cpuTasks;
    perWorker = Object.fromEntries(workers.map((w, i) => [String(w.pid), Math.round((w.cpuMs() - before[i]!) / perTask)]));
    const singleMs = m('single', (t) => t.ms);
    return {
      correct,
      figures: {
        tasks: options.cpuTasks,
        taskMs: options.cpuMs,
        iterations,
        singleThreadMs: singleMs,
        threadPoolMs: m('pool', (t) => t.ms),
        processesMs: m('processes', (t) => t.ms),
        singleThreadCpuMs: m('single', (t) => t.cpuMs),
        threadPoolCpuMs: m('pool', (t) => t.cpuMs),
        processesCoordinatorCpuMs: m('processes', (t) => t.cpuMs),
        processesWorkersCpuMs: m('processes', (t) => t.workersCpuMs),
        threadPoolSpeedup: singleMs / m('pool', (t) => t.ms),
        processesSpeedup: singleMs / m('processes', (t) => t.ms),
        perWorker,
        cores: availableParallelism(),
        load,
      },
    };
  } finally {
    await remote?.close();
    await Promise.all([single.close(), (pool as unknown as ExecutionEngine).close()]);
    await Promise.all(workers.map((w) => w.stop()));
    await deleteKeysUnder(redis, prefix);
  }
}

/** Runs the whole benchmark; see the module comment. */
export async function measureDistributed(options: DistributedOptions): Promise<DistributedFigures> {
  const t0 = performance.now();
  const loadBefore = loadavg();
  const { Hop } = requireBuilt<typeof DistributedOps>(join(DIST, 'distributed-ops.js'));
  if (options.profile) installRedisCounter();
  const redis = new Redis(options.redis, { maxRetriesPerRequest: 1, lazyConnect: true });
  ignoreRedisClient(redis);
  await redis.connect();
  let correct = true;
  const noop: NoopCase[] = [];
  let cpu: CpuFigures | undefined;
  const prefixes: string[] = [];
  try {
    for (const count of options.workers) {
      options.log?.(`no-op operations on ${count} worker process(es)`);
      const block = await noopBlock(options, count, redis, Hop, prefixes);
      noop.push(...block.cases);
      correct = block.correct && correct;
    }
    if (options.cpuTasks > 0) {
      options.log?.(`${options.cpuTasks} x ${options.cpuMs} ms CPU`);
      const block = await cpuBlock(options, redis, prefixes);
      cpu = block.figures;
      correct = block.correct && correct;
    }
  } finally {
    await redis.quit();
  }
  const worst = Math.max(...noop.map((c) => c.ratio));
  const { log: _log, ...rest } = options;
  return {
    options: rest,
    node: process.versions.node,
    cores: availableParallelism(),
    loadBefore,
    loadAfter: loadavg(),
    noop,
    ...(cpu === undefined ? {} : { cpu }),
    correct,
    budget: { limit: 1.5, worst, met: worst <= 1.5 },
    prefixes,
    totalMs: performance.now() - t0,
  };
}

const loadText = (load: readonly number[]): string => load.map((l) => l.toFixed(2)).join(', ');

/** The figures as markdown tables. */
export function renderDistributed(f: DistributedFigures): string {
  const o = f.options;
  const out: string[] = [];
  out.push(
    `Distributed execution: ${o.ops.toLocaleString('en-US')} no-op operations, ${o.reps} repetition(s) (median), worker concurrency ${o.concurrency}; Node ${f.node}, ${f.cores} cores; load average before ${loadText(f.loadBefore)}, after ${loadText(f.loadAfter)}\n`,
  );
  out.push(
    table(
      ['shape, workers', 'raw BullMQ µs/op', 'Portflow µs/op', '**Portflow ÷ raw**', 'hop p50 raw / Portflow (ms)', 'hop p99 raw / Portflow (ms)', 'coordinator CPU µs/op raw / Portflow', 'workers CPU µs/op raw / Portflow', 'Redis CPU µs/op raw / Portflow', 'load (1, 5, 15 min)'],
      f.noop.map((c) => [
        `${c.shape}, ${c.workers}`,
        sig(c.raw.usPerOp),
        sig(c.portflow.usPerOp),
        `**${c.ratio.toFixed(2)}x**`,
        c.shape === 'chain' ? `${sig(c.raw.hopP50Ms!)} / ${sig(c.portflow.hopP50Ms!)}` : '-',
        c.shape === 'chain' ? `${sig(c.raw.hopP99Ms!)} / ${sig(c.portflow.hopP99Ms!)}` : '-',
        `${sig(c.raw.coordinatorCpuUsPerOp)} / ${sig(c.portflow.coordinatorCpuUsPerOp)}`,
        `${sig(c.raw.workersCpuUsPerOp)} / ${sig(c.portflow.workersCpuUsPerOp)}`,
        `${sig(c.raw.redisCpuUsPerOp)} / ${sig(c.portflow.redisCpuUsPerOp)}`,
        loadText(c.load),
      ]),
    ),
  );
  if (f.noop.some((c) => c.raw.commandsPerOp !== undefined)) {
    out.push('\nRedis commands per operation (--profile), coordinator + workers:\n');
    const fmt = (counts: Readonly<Record<string, number>>): string =>
      Object.entries(counts)
        .filter(([name, n]) => name === 'commands' || name === 'roundTrips' || n >= 0.01)
        .map(([name, n]) => `${name} ${n.toFixed(2)}`)
        .join(', ');
    out.push(
      table(
        ['shape, workers', 'side', 'coordinator', 'workers'],
        f.noop.flatMap((c) => [
          [`${c.shape}, ${c.workers}`, 'raw', fmt(c.raw.commandsPerOp!.coordinator), fmt(c.raw.commandsPerOp!.workers)],
          [`${c.shape}, ${c.workers}`, 'Portflow', fmt(c.portflow.commandsPerOp!.coordinator), fmt(c.portflow.commandsPerOp!.workers)],
        ]),
        false,
      ),
    );
  }
  if (f.cpu !== undefined) {
    const c = f.cpu;
    out.push(`\n${c.tasks} x ${c.taskMs} ms busy CPU (cpu_bound), ${c.cores} cores shared by this process, the workers and Redis; load ${loadText(c.load)}:\n`);
    out.push(
      table(
        ['engine', 'wall ms', 'speedup', 'CPU ms (this process / workers)'],
        [
          ['single thread (`new ExecutionEngine()`, inline)', sig(c.singleThreadMs), '1.00x', sig(c.singleThreadCpuMs)],
          ['in-process thread pool (`createWorkerEngine`, cpuThreads 2)', sig(c.threadPoolMs), `${c.threadPoolSpeedup.toFixed(2)}x`, sig(c.threadPoolCpuMs)],
          ['2 `portflow worker` processes, 1 thread each', sig(c.processesMs), `${c.processesSpeedup.toFixed(2)}x`, `${sig(c.processesCoordinatorCpuMs)} / ${sig(c.processesWorkersCpuMs)}`],
        ],
      ),
    );
    out.push(`\nOperations per worker process in one more run (pid: about how many, from its CPU time): ${Object.entries(c.perWorker).map(([pid, n]) => `${pid}: ${n}`).join(', ')}`);
  }
  out.push(
    `\n- budget: Portflow within ${f.budget.limit}x of raw BullMQ (µs per operation, every case): ${f.budget.met ? 'met' : 'missed'} (worst ${f.budget.worst.toFixed(2)}x); results correct: ${f.correct ? 'yes' : 'NO'}; took ${(f.totalMs / 1000).toFixed(1)} s`,
  );
  return `${out.join('\n')}\n`;
}

if (require.main === module) {
  const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const num = (name: keyof typeof DEFAULTS): number => {
    const v = arg(name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
    return v === undefined ? (DEFAULTS[name] as number) : Number(v);
  };
  const json = process.argv.includes('--json');
  measureDistributed({
    redis: arg('redis') ?? process.env.PORTFLOW_REDIS ?? 'redis://127.0.0.1:6379',
    ops: num('ops'),
    reps: num('reps'),
    concurrency: num('concurrency'),
    cpuTasks: num('cpuTasks'),
    cpuMs: num('cpuMs'),
    workers: (arg('workers') ?? '1,2').split(',').map(Number),
    profile: process.argv.includes('--profile'),
    log: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (figures) => process.stdout.write(json ? `${JSON.stringify(figures, null, 2)}\n` : renderDistributed(figures)),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
