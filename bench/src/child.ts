/**
 * A benchmark child process. Receives jobs over IPC, one at a time, and
 * answers each with a sample. Must run with --expose-gc.
 */
import { loadRunner, type Runner, type RunnerId } from './runners/runner';
import { makeWorkload, type Workload } from './workloads';
import type { ChildMessage, Job, Sample } from './protocol';

const gc = (globalThis as { gc?: (options?: { type: 'major'; execution: 'sync' }) => void }).gc;
if (gc === undefined) throw new Error('bench child needs --expose-gc');

/** Warm-up stops after this many runs even if `warmupMs` has not passed. */
const MAX_WARMUP_RUNS = 50;

const runners = new Map<RunnerId, Runner>();
const warmed = new Set<string>();
/** Kept alive so the compiler cannot drop them before memory is read. */
let sink: unknown; // eslint-disable-line @typescript-eslint/no-unused-vars -- written only, on purpose

function send(message: ChildMessage): void {
  process.send!(message);
}

/**
 * A full collection before a timed run, so that garbage from earlier work
 * does not land on it. Not plain `gc()`: that one is V8's memory-reducing
 * collection, which also drops compiled code and feedback, so the run after
 * it would time partly cold code (measured: Portflow 1,000-node runs 3-5x
 * slower after it, the other runners less).
 */
function majorGc(): void {
  gc!({ type: 'major', execution: 'sync' });
}

/** The memory-reducing collection, twice: exact heap figures, cold code after it (memory runs are not timed). */
function exactGc(): void {
  gc!();
  gc!();
}

function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function warmUp(runner: Runner, job: Job): Promise<void> {
  const key = `${job.runner}:${job.shape}:${job.task}`;
  if (warmed.has(key)) return;
  warmed.add(key);
  const w = makeWorkload(job.shape, job.warmupN, job.task);
  const started = performance.now();
  for (let i = 0; i < MAX_WARMUP_RUNS && (i < job.warmupRuns || performance.now() - started < job.warmupMs); i++) {
    await runner.run(runner.build(w), w);
  }
}

async function measure(job: Job): Promise<Sample> {
  let runner = runners.get(job.runner);
  if (runner === undefined) {
    runner = await loadRunner(job.runner);
    runners.set(job.runner, runner);
    send({ type: 'label', label: runner.label });
  }
  await warmUp(runner, job);
  const workload: Workload = makeWorkload(job.shape, job.n, job.task);

  // Timing: construction, then one run, on a clean heap.
  majorGc();
  const b0 = performance.now();
  const built = runner.build(workload);
  const buildMs = performance.now() - b0;
  majorGc();
  send({ type: 'measuring' });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await runner.run(built, workload);
  const runMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  sink = [built, out];
  sink = undefined;
  const timing = { buildMs, runMs, cpuMs: (cpu.user + cpu.system) / 1000 };
  if (!job.memory) return timing;

  // Memory: a second graph and run, with exact (memory-reducing) collections around it.
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
