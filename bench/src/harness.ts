import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildMessage, Job, MemorySample, Sample } from './protocol';
import { RUNNER_IDS, type RunnerId } from './runners/runner';
import { median } from './stats';
import type { Shape, Task } from './workloads';

/** The compiled child entry; resolved from src/ (tests) and dist/ alike. */
export const CHILD_SCRIPT = join(__dirname, '..', 'dist', 'child.js');

export interface SchedulingOptions {
  readonly shapes: readonly Shape[];
  readonly sizes: readonly number[];
  readonly runners: readonly RunnerId[];
  /** Measured repetitions per case (after warm-up). */
  readonly reps: number;
  /** One child process per measurement (clean heap and RSS figures) or one shared child. */
  readonly isolate: boolean;
  /** Longest one measured run may take before the runner is skipped at that size and above. */
  readonly timeoutMs: number;
  readonly warmupN: number;
  readonly warmupRuns: number;
  readonly warmupMs: number;
  /** Repetitions (the first ones) that also measure memory, in a second run. */
  readonly memoryReps: number;
  /** I/O workload: this many independent nodes, each awaiting a 20 ms timer. */
  readonly ioN: number;
  /** Called with a line of progress now and then. */
  readonly log?: (line: string) => void;
}

export type CaseStatus = 'ok' | 'skipped' | 'timeout' | 'error';

/** Medians over the repetitions, normalised per operation. */
export interface CaseMedians {
  /** First run of a freshly built graph, ms. */
  readonly runMs: number;
  /** Median CPU time ÷ wall time of the runs (below ~0.9 for a CPU-bound workload: the process waited for a core). */
  readonly cpuPerWall: number;
  /** First run of a freshly built graph, µs per operation. */
  readonly usPerOp: number;
  /** Second run of the same built graph, µs per operation (absent when no repetition timed one). */
  readonly rerunUsPerOp?: number;
  readonly buildUsPerOp: number;
  /** `validate()` alone on a fresh graph, µs per operation (runners that validate separately; see Sample.validateMs). */
  readonly validateUsPerOp?: number;
  /** The first of those calls in each repetition, µs per operation. */
  readonly firstValidateUsPerOp?: number;
  /** Repetitions whose first run was paused by a mark-compact collection. */
  readonly runsWithMajorGc: number;
  readonly graphBytesPerOp: number;
  readonly retainedBytesPerOp: number;
  readonly heapAtEndBytesPerOp: number;
  readonly peakRssBytesPerOp: number;
}

export interface CaseResult {
  readonly shape: Shape;
  readonly task: Task;
  readonly n: number;
  readonly edges: number;
  readonly runner: RunnerId;
  readonly status: CaseStatus;
  /** Why a case was skipped, timed out or failed. */
  readonly note?: string;
  readonly samples: readonly Sample[];
  readonly median?: CaseMedians;
}

export interface SchedulingResults {
  readonly cases: CaseResult[];
  readonly labels: Partial<Record<RunnerId, string>>;
}

/** A child process that answers jobs one at a time. */
class Child {
  private readonly proc: ChildProcess;
  private waiting: ((m: ChildMessage | { type: 'exit'; code: number | null }) => void) | undefined;
  private readonly inbox: (ChildMessage | { type: 'exit'; code: number | null })[] = [];
  stderr = '';
  exited = false;

  constructor() {
    if (!existsSync(CHILD_SCRIPT)) throw new Error(`${CHILD_SCRIPT} is missing: build the bench package first (npm run build)`);
    this.proc = fork(CHILD_SCRIPT, [], { execArgv: ['--expose-gc', '--no-warnings'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.proc.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.proc.on('message', (m: ChildMessage) => this.deliver(m));
    this.proc.on('exit', (code) => {
      this.exited = true;
      this.deliver({ type: 'exit', code });
    });
  }

  private deliver(m: ChildMessage | { type: 'exit'; code: number | null }): void {
    const w = this.waiting;
    if (w !== undefined) {
      this.waiting = undefined;
      w(m);
    } else this.inbox.push(m);
  }

  /** The next message, or 'timeout' after `ms`. */
  next(ms: number): Promise<ChildMessage | { type: 'exit'; code: number | null } | { type: 'timeout' }> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve({ type: 'timeout' });
      }, ms);
      this.waiting = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
    });
  }

  send(job: Job): void {
    this.proc.send(job);
  }

  /** Closes the IPC channel; the child closes its runners and exits. */
  async close(): Promise<void> {
    if (this.exited) return;
    this.proc.disconnect();
    const m = await this.next(10_000);
    if (m.type === 'timeout') this.kill();
  }

  kill(): void {
    if (this.exited) return;
    this.exited = true;
    this.proc.kill('SIGKILL');
  }
}

type Outcome = { ok: true; sample: Sample } | { ok: false; status: 'timeout' | 'error'; note: string };

/** Runs one job on `child`; the measured run may take `timeoutMs`, warm-up and build up to 3 minutes. */
async function runJob(child: Child, job: Job, timeoutMs: number, labels: Partial<Record<RunnerId, string>>): Promise<Outcome> {
  child.send(job);
  let limit = 180_000;
  for (;;) {
    const m = await child.next(limit);
    switch (m.type) {
      case 'ready':
        continue;
      case 'label':
        labels[job.runner] = m.label;
        continue;
      case 'measuring':
        limit = timeoutMs;
        continue;
      case 'result':
        return { ok: true, sample: m.sample };
      case 'error':
        return { ok: false, status: 'error', note: m.message.split('\n')[0]! };
      case 'exit':
        return { ok: false, status: 'error', note: `child exited (code ${m.code}): ${child.stderr.trim().split('\n').slice(-3).join(' ')}` };
      case 'timeout':
        child.kill();
        return limit === timeoutMs
          ? { ok: false, status: 'timeout', note: `did not finish in ${Math.round(timeoutMs / 1000)} s` }
          : { ok: false, status: 'timeout', note: 'warm-up and graph construction took over 180 s' };
    }
  }
}

/** Median of the values `f` gives (skipping undefined) in µs per operation, or undefined when there are none. */
function optionalUsPerOp(samples: readonly Sample[], n: number, f: (s: Sample) => number | undefined): number | undefined {
  const values = samples.flatMap((s) => {
    const v = f(s);
    return v === undefined ? [] : [v];
  });
  return values.length === 0 ? undefined : (median(values) * 1000) / n;
}

function medians(samples: readonly Sample[], n: number): CaseMedians {
  const m = (f: (s: Sample) => number): number => median(samples.map(f));
  const mem = samples.flatMap((s) => (s.memory ? [s.memory] : []));
  const mm = (f: (s: MemorySample) => number): number => median(mem.map(f)) / n;
  const rerunUsPerOp = optionalUsPerOp(samples, n, (s) => s.rerunMs);
  const validateUsPerOp = optionalUsPerOp(samples, n, (s) => s.validateMs);
  const firstValidateUsPerOp = optionalUsPerOp(samples, n, (s) => s.firstValidateMs);
  return {
    runMs: m((s) => s.runMs),
    cpuPerWall: m((s) => s.cpuMs / s.runMs),
    usPerOp: (m((s) => s.runMs) * 1000) / n,
    ...(rerunUsPerOp === undefined ? {} : { rerunUsPerOp }),
    buildUsPerOp: (m((s) => s.buildMs) * 1000) / n,
    ...(validateUsPerOp === undefined ? {} : { validateUsPerOp }),
    ...(firstValidateUsPerOp === undefined ? {} : { firstValidateUsPerOp }),
    runsWithMajorGc: samples.filter((s) => s.gc.run.major > 0).length,
    graphBytesPerOp: mm((s) => s.graphBytes),
    retainedBytesPerOp: mm((s) => s.retainedBytes),
    heapAtEndBytesPerOp: mm((s) => s.heapAtEndBytes),
    peakRssBytesPerOp: mm((s) => s.peakRssBytes),
  };
}

interface CasePlan {
  readonly shape: Shape;
  readonly task: Task;
  readonly n: number;
  readonly edges: number;
}

/**
 * Runs every (case, runner) pair `reps` times. Within a case the runners take
 * turns, in forward order on even repetitions and reverse order on odd ones,
 * so that drift in the machine hits every runner alike. A runner that times
 * out is skipped for that shape at that size and above; so is one whose
 * median at the previous size predicts more than the time limit.
 */
export async function runScheduling(options: SchedulingOptions, edgesOf: (shape: Shape, n: number) => number): Promise<SchedulingResults> {
  const log = options.log ?? (() => {});
  const labels: Partial<Record<RunnerId, string>> = {};
  const cases: CaseResult[] = [];
  const plans: CasePlan[] = [];
  for (const shape of options.shapes) for (const n of options.sizes) plans.push({ shape, task: 'noop', n, edges: edgesOf(shape, n) });
  plans.push({ shape: 'independent', task: 'sleep20', n: options.ioN, edges: 0 });

  /** shape:task:runner -> why later sizes are skipped */
  const blocked = new Map<string, string>();
  /** shape:task:runner -> [n, median runMs] of the last size done */
  const previous = new Map<string, [number, number]>();
  let shared: Child | undefined;
  const childFor = (): Child => {
    if (options.isolate) return new Child();
    if (shared === undefined || shared.exited) shared = new Child();
    return shared;
  };

  try {
    for (const plan of plans) {
      const samples = new Map<RunnerId, Sample[]>();
      const failed = new Map<RunnerId, { status: CaseStatus; note: string }>();
      for (const runner of options.runners) {
        const key = `${plan.shape}:${plan.task}:${runner}`;
        const why = blocked.get(key);
        if (why !== undefined) {
          failed.set(runner, { status: 'skipped', note: why });
          continue;
        }
        const prev = previous.get(key);
        if (prev !== undefined && (prev[1] * plan.n) / prev[0] > options.timeoutMs) {
          const note = `skipped: ${prev[1].toFixed(0)} ms at N=${prev[0]} predicts over ${Math.round(options.timeoutMs / 1000)} s`;
          failed.set(runner, { status: 'skipped', note });
          blocked.set(key, note);
          continue;
        }
        samples.set(runner, []);
      }
      for (let rep = 0; rep < options.reps; rep++) {
        const order = rep % 2 === 0 ? options.runners : [...options.runners].reverse();
        for (const runner of order) {
          const list = samples.get(runner);
          if (list === undefined || failed.has(runner)) continue;
          const job: Job = {
            runner,
            shape: plan.shape,
            task: plan.task,
            n: plan.n,
            warmupN: Math.min(plan.n, options.warmupN),
            warmupRuns: options.warmupRuns,
            warmupMs: options.warmupMs,
            memory: rep < options.memoryReps,
          };
          const child = childFor();
          const outcome = await runJob(child, job, options.timeoutMs, labels);
          if (options.isolate) await child.close();
          if (outcome.ok) {
            list.push(outcome.sample);
            const s = outcome.sample;
            const rerun = s.rerunMs === undefined ? '' : `, re-run ${s.rerunMs.toFixed(1)} ms`;
            const major = s.gc.run.major > 0 ? ` (${s.gc.run.major} mark-compact inside)` : '';
            log(`  ${plan.shape} N=${plan.n} ${runner} rep ${rep + 1}/${options.reps}: ${s.runMs.toFixed(1)} ms${major}${rerun}`);
          } else {
            failed.set(runner, { status: outcome.status, note: outcome.note });
            blocked.set(`${plan.shape}:${plan.task}:${runner}`, `skipped: ${outcome.note} at N=${plan.n}`);
            log(`  ${plan.shape} N=${plan.n} ${runner}: ${outcome.status} (${outcome.note})`);
          }
        }
      }
      for (const runner of options.runners) {
        const fail = failed.get(runner);
        const list = samples.get(runner) ?? [];
        if (fail !== undefined) {
          cases.push({ ...plan, runner, status: fail.status, note: fail.note, samples: list });
          continue;
        }
        const med = medians(list, plan.n);
        previous.set(`${plan.shape}:${plan.task}:${runner}`, [plan.n, med.runMs]);
        cases.push({ ...plan, runner, status: 'ok', samples: list, median: med });
      }
    }
  } finally {
    await shared?.close();
  }
  return { cases, labels };
}

export { RUNNER_IDS };
