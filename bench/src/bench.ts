import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { runCpu, type CpuResults } from './cpu';
import { runScheduling, type CaseResult, type SchedulingOptions } from './harness';
import { RUNNER_IDS, type RunnerId } from './runners/runner';
import { makeWorkload, type Shape } from './workloads';

export interface BenchOptions extends SchedulingOptions {
  readonly quick: boolean;
  readonly cpu: boolean;
  /** Run the scheduling and I/O cells (`--cpu-only` turns them off). */
  readonly scheduling: boolean;
  /** No-op tasks in the worker-pool overhead benchmark. */
  readonly overheadTasks: number;
}

export interface BenchMeta {
  readonly date: string;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly quick: boolean;
  readonly reps: number;
  readonly sizes: readonly number[];
  readonly shapes: readonly Shape[];
  readonly isolate: boolean;
  readonly timeoutMs: number;
  readonly warmup: { readonly n: number; readonly runs: number; readonly ms: number };
  readonly memoryReps: number;
  readonly ioN: number;
  readonly durationS: number;
  /** 1-minute load average when the run started and ended: above 1 or so, something else was using the cores. */
  readonly loadAverage: { readonly start: number; readonly end: number };
}

export interface BenchResults {
  readonly meta: BenchMeta;
  readonly labels: Partial<Record<RunnerId, string>>;
  /** Scheduling workloads (chain, wide, layered) at every size. */
  readonly scheduling: readonly CaseResult[];
  /** I/O workload: independent nodes each awaiting a 20 ms timer. */
  readonly io: readonly CaseResult[];
  readonly cpu: CpuResults;
}

export const FULL: BenchOptions = {
  quick: false,
  cpu: true,
  scheduling: true,
  shapes: ['chain', 'wide', 'layered'],
  sizes: [1_000, 10_000, 100_000],
  runners: RUNNER_IDS,
  reps: 5,
  isolate: true,
  timeoutMs: 60_000,
  warmupN: 1_000,
  warmupRuns: 3,
  warmupMs: 1_000,
  memoryReps: 1,
  ioN: 1_000,
  overheadTasks: 2_000,
};

export const QUICK: BenchOptions = {
  ...FULL,
  quick: true,
  sizes: [100, 500],
  reps: 3,
  isolate: false,
  warmupN: 100,
  warmupRuns: 3,
  warmupMs: 20,
  overheadTasks: 500,
};

export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const started = Date.now();
  const loadAtStart = loadavg()[0]!;
  const log = options.log ?? (() => {});
  let cases: readonly CaseResult[] = [];
  let labels: Partial<Record<RunnerId, string>> = {};
  if (options.scheduling) {
    log(`scheduling: ${options.shapes.join(', ')} at N = ${options.sizes.join(', ')}; ${options.reps} reps; ${options.runners.join(', ')}`);
    ({ cases, labels } = await runScheduling(options, (shape, n) => makeWorkload(shape, n).edges));
  }
  log('cpu pool');
  const cpu: CpuResults = options.cpu ? await runCpu({ reps: options.reps, tasks: 16, taskMs: 50, overheadTasks: options.overheadTasks, log }) : { status: 'gap', note: 'not run (--no-cpu)' };
  const cpuInfo = cpus();
  return {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      v8: process.versions.v8,
      platform: process.platform,
      arch: process.arch,
      cpuModel: cpuInfo[0]?.model.trim() ?? 'unknown',
      cores: availableParallelism(),
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      quick: options.quick,
      reps: options.reps,
      sizes: options.sizes,
      shapes: options.shapes,
      isolate: options.isolate,
      timeoutMs: options.timeoutMs,
      warmup: { n: options.warmupN, runs: options.warmupRuns, ms: options.warmupMs },
      memoryReps: options.memoryReps,
      ioN: options.ioN,
      durationS: Math.round((Date.now() - started) / 1000),
      loadAverage: { start: loadAtStart, end: loadavg()[0]! },
    },
    labels,
    scheduling: cases.filter((c) => c.task === 'noop'),
    io: cases.filter((c) => c.task === 'sleep20'),
    cpu,
  };
}
