import { fork } from 'node:child_process';
import { join } from 'node:path';

/**
 * The worker-pool benchmarks: CPU-bound operations on a worker pool
 * (cpuThreads 2 vs 1 vs raw piscina) and per-task overhead against raw
 * piscina. They need a worker-pool executor from @portflow/workers; until
 * that package exists and exports one, the section reports the gap.
 */
export interface CpuResults {
  readonly status: 'ok' | 'gap' | 'error';
  readonly note?: string;
  /** 16 x ~50 ms CPU tasks: wall ms per variant. */
  readonly pool?: {
    readonly tasks: number;
    readonly taskMs: number;
    readonly portflow2Ms: number;
    readonly portflow1Ms: number;
    readonly piscina2Ms: number;
    readonly piscina1Ms: number;
    readonly speedup: number;
    readonly piscinaSpeedup: number;
  };
  /** No-op tasks: µs per task through the Portflow pool and raw piscina. */
  readonly overhead?: {
    readonly tasks: number;
    readonly portflowUsPerTask: number;
    readonly piscinaUsPerTask: number;
    /** Raw piscina with at most 2 tasks submitted at once, as the engine submits with cpuThreads 2 (diagnostic). */
    readonly piscinaCappedUsPerTask: number;
    readonly ratio: number;
  };
}

export interface CpuOptions {
  readonly reps: number;
  /** Operations of ~`taskMs` CPU each in the pool benchmark (16). */
  readonly tasks: number;
  readonly taskMs: number;
  /** No-op tasks in the overhead benchmark. */
  readonly overheadTasks: number;
  readonly log?: (line: string) => void;
}

/** Whether @portflow/workers is installed and exports something usable as the pool executor. */
export function workersAvailable(): { ok: true } | { ok: false; why: string } {
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('@portflow/workers') as Record<string, unknown>;
  } catch (error) {
    return { ok: false, why: `@portflow/workers cannot be loaded (${(error as Error).message.split('\n')[0]})` };
  }
  return typeof mod.WorkerPoolExecutor === 'function' || typeof mod.createWorkerPool === 'function'
    ? { ok: true }
    : { ok: false, why: '@portflow/workers exports no worker-pool executor yet' };
}

const CPU_CHILD = join(__dirname, '..', 'dist', 'cpu-child.js');

/** Runs the worker-pool benchmarks in a child process of their own (10 minutes at most). */
export async function runCpu(options: CpuOptions): Promise<CpuResults> {
  const available = workersAvailable();
  if (!available.ok) return { status: 'gap', note: `${available.why}: the CPU-pool and per-task overhead benchmarks did not run` };
  const child = fork(CPU_CHILD, [], { execArgv: ['--no-warnings'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  return new Promise<CpuResults>((resolve) => {
    let settled = false;
    const done = (r: CpuResults): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done({ status: 'error', note: 'the worker-pool benchmarks took over 10 minutes' });
    }, 600_000);
    child.on('message', (m: { type: string; message?: string } & Partial<CpuResults>) => {
      if (m.type === 'cpu') done({ status: 'ok', pool: m.pool, overhead: m.overhead });
      else done({ status: 'error', note: `worker-pool benchmark failed: ${(m.message ?? '').split('\n')[0]}` });
    });
    child.on('exit', (code) => done({ status: 'error', note: `worker-pool benchmark process exited (code ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}` }));
    child.send({ reps: options.reps, tasks: options.tasks, taskMs: options.taskMs, overheadTasks: options.overheadTasks });
  });
}
