/**
 * A benchmark child process. Receives jobs over IPC, one at a time, and
 * answers each with a sample. Must run with --expose-gc.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { loadRunner, type Runner, type RunnerId } from './runners/runner';
import { median } from './stats';
import { makeWorkload, type Workload } from './workloads';
import type { ChildMessage, GcCount, Job, Sample } from './protocol';

/**
 * V8's `gc` extension as Node 20 (V8 11.3) has it: `gc()` is a full, forced
 * mark-compact. Of an options object it reads only `type: 'minor'` and
 * `execution: 'async'`; an object with neither, such as
 * `{ type: 'major', execution: 'sync' }`, falls back to the legacy rule that
 * any truthy argument asks for a scavenge (check with
 * `node --expose-gc --trace-gc -e "gc({ type: 'major', execution: 'sync' })"`).
 */
const gc = (globalThis as { gc?: (options?: { type: 'minor' }) => void }).gc;
if (gc === undefined) throw new Error('bench child needs --expose-gc');

/** Warm-up and re-warm-up each stop after this many runs. */
const MAX_WARMUP_RUNS = 50;
/** Re-warm-up has converged once the median of its last 3 runs is within this factor of the warm-up's last runs. */
const REWARM_TOLERANCE = 1.2;
/** `validate()` is timed this many times, each on a fresh graph; the first call is reported apart from the others. */
const VALIDATE_CALLS = 4;
/** The re-run is not timed when the first run took longer than this (LangGraph, async.auto at 10,000): it would only lengthen the benchmark. */
const MAX_FIRST_RUN_FOR_RERUN_MS = 5_000;

const runners = new Map<RunnerId, Runner>();
/** runner:shape:task:warmupN -> median time of the last warm-up runs (build + run at warmupN), ms. */
const warmed = new Map<string, number>();
/** Kept alive so the compiler cannot drop them before memory is read. */
let sink: unknown; // eslint-disable-line @typescript-eslint/no-unused-vars -- written only, on purpose

/** Collections since the current job's timed build started, as perf_hooks reports them (asynchronously, after the fact). */
let gcEntries: PerformanceEntry[] = [];
new PerformanceObserver((list) => {
  gcEntries.push(...list.getEntries());
}).observe({ entryTypes: ['gc'] });

function send(message: ChildMessage): void {
  process.send!(message);
}

/**
 * A full, forced mark-compact: leaves old space holding only what is live,
 * and no incremental marking in progress. Unlike the mark-compacts V8
 * schedules itself, it also collects hidden classes (maps) that no live
 * object uses any more, such as those of Portflow's per-run state between
 * runs, and deoptimizes every optimized function that embeds one
 * (`--trace-deopt`: about 30 engine functions, reason "weak objects"; none
 * after V8's own mark-compacts in the same workload). The next 10-30
 * Portflow runs at N = 1,000 are several times slower, until the code is
 * optimized again: see {@link settle}.
 */
function fullGc(): void {
  gc!();
}

/** A scavenge: collects the young generation (survivors are copied or promoted), leaves old space and compiled code alone. */
function minorGc(): void {
  gc!({ type: 'minor' });
}

/** The full collection, twice: exact heap figures (memory runs are not timed). */
function exactGc(): void {
  gc!();
  gc!();
}

function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Builds and runs at `warmupN` until `done(runs so far, their times)`; returns the run times (build + run), ms. */
async function warmRuns(runner: Runner, job: Job, done: (times: readonly number[], elapsedMs: number) => boolean): Promise<number[]> {
  const w = makeWorkload(job.shape, job.warmupN, job.task);
  const times: number[] = [];
  const started = performance.now();
  while (times.length < MAX_WARMUP_RUNS && !done(times, performance.now() - started)) {
    const t0 = performance.now();
    await runner.run(runner.build(w), w);
    times.push(performance.now() - t0);
  }
  return times;
}

/** The first time a child sees runner:shape:task at warmupN: at least `warmupRuns` runs, and more until `warmupMs` has passed. Returns the reference time. */
async function warmUp(runner: Runner, job: Job): Promise<number> {
  const key = `${job.runner}:${job.shape}:${job.task}:${job.warmupN}`;
  const known = warmed.get(key);
  if (known !== undefined) return known;
  const times = await warmRuns(runner, job, (t, elapsed) => t.length >= job.warmupRuns && elapsed >= job.warmupMs);
  const reference = median(times.slice(-5));
  warmed.set(key, reference);
  return reference;
}

/**
 * Before every measurement: a full collection, which leaves old space with
 * only live objects and no incremental marking in progress, so that the
 * mark-compact that warm-up (or an earlier job in a shared child) would
 * soon have made due does not land on the timed run. Then more warm-up
 * runs, because that collection deoptimizes code (see {@link fullGc}),
 * until the median of the last 3 is back within {@link REWARM_TOLERANCE} of
 * `reference` (and at least 3 runs), or `warmupMs` has passed (at least 1
 * run), or 50 runs. Those runs promote some garbage of their own, but
 * start from an old space that was just collected.
 */
async function settle(runner: Runner, job: Job, reference: number): Promise<Sample['rewarm']> {
  fullGc();
  const converged = (t: readonly number[]): boolean => t.length >= 3 && median(t.slice(-3)) <= REWARM_TOLERANCE * reference;
  const times = await warmRuns(runner, job, (t, elapsed) => converged(t) || (t.length >= 1 && elapsed >= job.warmupMs));
  return { runs: times.length, converged: converged(times) };
}

/** Collections that started inside [from, to) of performance.now(). */
function gcDuring(entries: readonly PerformanceEntry[], from: number, to: number): GcCount {
  let major = 0;
  let minor = 0;
  let pauseMs = 0;
  for (const e of entries) {
    if (e.startTime < from || e.startTime >= to) continue;
    const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++;
    else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++;
    pauseMs += e.duration;
  }
  return { major, minor, pauseMs };
}

/** Lets perf_hooks deliver the 'gc' entries of collections that already happened. */
function flushGcEntries(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

async function measure(job: Job): Promise<Sample> {
  let runner = runners.get(job.runner);
  if (runner === undefined) {
    runner = await loadRunner(job.runner);
    runners.set(job.runner, runner);
    send({ type: 'label', label: runner.label });
  }
  const reference = await warmUp(runner, job);
  const rewarm = await settle(runner, job, reference);
  const workload: Workload = makeWorkload(job.shape, job.n, job.task);
  gcEntries = [];

  // Timing: construction, then two runs of the built graph, each after a
  // scavenge (no garbage left in the young generation, code left warm).
  minorGc();
  const b0 = performance.now();
  const built = runner.build(workload);
  const buildMs = performance.now() - b0;
  minorGc();
  send({ type: 'measuring' });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await runner.run(built, workload);
  const t1 = performance.now();
  const cpu = process.cpuUsage(c0);
  const runMs = t1 - t0;
  let rerunMs: number | undefined;
  let rerunOut: unknown;
  let r0 = 0;
  if (runMs <= MAX_FIRST_RUN_FOR_RERUN_MS) {
    minorGc();
    send({ type: 'measuring' });
    r0 = performance.now();
    rerunOut = await runner.run(built, workload);
    rerunMs = performance.now() - r0;
  }
  await flushGcEntries();
  const gcs: Sample['gc'] = {
    run: gcDuring(gcEntries, t0, t1),
    ...(rerunMs === undefined ? {} : { rerun: gcDuring(gcEntries, r0, r0 + rerunMs) }),
  };
  sink = [built, out, rerunOut];
  sink = undefined;

  // validate() alone, on fresh graphs that were built without it.
  const validateTimes: number[] = [];
  if (runner.validation !== undefined) {
    for (let i = 0; i < VALIDATE_CALLS; i++) {
      const unvalidated = runner.validation.buildUnvalidated(workload);
      minorGc();
      const v0 = performance.now();
      runner.validation.validate(unvalidated);
      validateTimes.push(performance.now() - v0);
    }
  }
  const validation = validateTimes.length === 0 ? {} : { firstValidateMs: validateTimes[0]!, validateMs: median(validateTimes.slice(1)) };

  const timing: Sample = { buildMs, runMs, cpuMs: (cpu.user + cpu.system) / 1000, ...(rerunMs === undefined ? {} : { rerunMs }), ...validation, rewarm, gc: gcs };
  if (!job.memory) return timing;

  // Memory: a second graph and run, with exact (full, forced) collections around it.
  exactGc();
  const m0 = memory();
  const built2 = runner.build(workload);
  exactGc();
  const m1 = memory();
  const rssBefore = process.memoryUsage().rss;
  send({ type: 'measuring' });
  const out2 = await runner.run(built2, workload);
  const heapAtEnd = memory();
  const maxRss = process.resourceUsage().maxRSS * 1024;
  exactGc();
  const m2 = memory();
  sink = [built2, out2];
  sink = undefined;
  return {
    ...timing,
    memory: {
      graphBytes: m1 - m0,
      retainedBytes: m2 - m1,
      heapAtEndBytes: heapAtEnd - m1,
      peakRssBytes: Math.max(0, maxRss - rssBefore),
    },
  };
}

process.on('message', (job: Job) => {
  measure(job).then(
    (sample) => send({ type: 'result', sample }),
    (error: unknown) => send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
process.on('disconnect', () => {
  void Promise.all([...runners.values()].map((r) => r.close?.())).finally(() => process.exit(0));
});
send({ type: 'ready' });
