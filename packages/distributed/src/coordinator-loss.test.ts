import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { ExecutionEngine, GraphDefinition, silentLogger, type EngineEvent, type ExecutionContext } from '@portflow/core';
import { BullMQExecutor } from './bullmq-executor';
import { chainJobsKeyOf, jobIdOf, queueNameOf } from './protocol';
import type { CoordinatorOrder } from './testing/coordinator-main';
import { EFFECT_IDS, effectsGraph } from './testing/effects-graph';
import { connectTestRedis, deleteKeysUnder, keysUnder, REDIS_URL, testPrefix } from './testing/redis';
import { loadFixtures, PACKAGE_DIR, spawnWorker, type WorkerProcess } from './testing/worker-process';

jest.setTimeout(120_000); // upper bound only: nothing here waits on the clock

const F = loadFixtures();
let redis: Redis;
let prefix: string;
let workers: WorkerProcess[];
let dir: string;

beforeAll(async () => {
  redis = await connectTestRedis();
});

afterAll(async () => {
  await redis?.quit();
});

beforeEach(() => {
  prefix = testPrefix();
  workers = [];
  dir = mkdtempSync(join(tmpdir(), 'portflow-coordinator-loss-'));
});

afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await deleteKeysUnder(redis, prefix);
  expect(await keysUnder(redis, prefix)).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
});

async function startWorker(queue: string, concurrency = 1): Promise<WorkerProcess> {
  const worker = await spawnWorker({ prefix, queue, concurrency });
  workers.push(worker);
  return worker;
}

function executorFor(queue: string, options: { reconcileMs?: number; ignoreOutcomeEvents?: boolean } = {}): BullMQExecutor {
  return new BullMQExecutor({ connection: REDIS_URL, prefix, buildId: 'test', root: PACKAGE_DIR, queue, reconcileMs: options.reconcileMs ?? 500, ...(options.ignoreOutcomeEvents === true ? { ignoreOutcomeEvents: true } : {}) });
}

/**
 * The keys under this test's prefix, after the run's end, with worker
 * heartbeats left out (they belong to the worker processes, not to runs)
 * and `stalled-check` (a key the workers' stalled-job checker sets with a
 * time to live of `stalledInterval`, so present or not depending on the
 * moment). What BullMQ keeps per queue once a queue has had jobs and they
 * are all removed: `meta` (queue settings and version), `id` (the counter
 * BullMQ increments for every job added, custom ids included) and `events`
 * (the event stream, trimmed by BullMQ). Every other key (a job's hash,
 * `:logs`, `:lock`, the `wait`, `active`, `completed`, `failed` lists and
 * sets, Portflow's cancel keys and chain job sets) must be gone.
 */
async function keysLeft(): Promise<string[]> {
  const keys = await keysUnder(redis, prefix);
  return keys
    .filter((key) => !key.startsWith(`${prefix}:portflow:worker:`) && key !== `${prefix}:portflow:workers` && !key.endsWith(':stalled-check'))
    .map((key) => key.slice(prefix.length + 1))
    .sort();
}

function bookkeeping(queue: string): string[] {
  const name = queueNameOf(queue, 'test');
  return [`${name}:events`, `${name}:id`, `${name}:meta`].sort();
}

function context(runId: string, idempotencyKey: string, operationId: string, progress: string[]): ExecutionContext {
  return {
    runId,
    operationId,
    attempt: 1,
    idempotencyKey,
    signal: new AbortController().signal,
    logger: silentLogger,
    variables: {},
    reportProgress: (_fraction, details) => void progress.push(typeof details === 'string' ? details : String(details?.message)),
  };
}

/** Lines per key in an effects file. */
function effectCounts(file: string): Record<string, number> {
  const counts: Record<string, number> = {};
  if (existsSync(file)) for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) counts[line] = (counts[line] ?? 0) + 1;
  return counts;
}

interface Coordinator {
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  /** The next message whose key is `kind`. */
  next<T>(kind: string): Promise<T>;
  /** Operations completed so far. */
  completed: number;
  /** Operations that started on a worker so far. */
  readonly running: Set<string>;
}

/** A coordinator child process (src/testing/coordinator-main.ts) given `order`. */
function coordinator(order: CoordinatorOrder): Coordinator {
  const proc = fork(join(__dirname, 'testing', 'coordinator-main.ts'), [], {
    execArgv: ['-r', require.resolve('ts-node/register/transpile-only')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const seen: Record<string, unknown>[] = [];
  const waiting: { kind: string; resolve: (value: unknown) => void }[] = [];
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  const handle: Coordinator = {
    process: proc,
    exited,
    completed: 0,
    running: new Set(),
    next<T>(kind: string): Promise<T> {
      const index = seen.findIndex((m) => kind in m);
      if (index >= 0) return Promise.resolve(seen.splice(index, 1)[0]![kind] as T);
      return new Promise<T>((resolve, reject) => {
        waiting.push({ kind, resolve: resolve as (value: unknown) => void });
        void exited.then((code) => reject(new Error(`the coordinator exited (${code}) before it sent '${kind}'`)));
      });
    },
  };
  proc.on('message', (message: Record<string, unknown>) => {
    if ('completed' in message) handle.completed++;
    if ('progress' in message) handle.running.add(String(message.progress));
    const index = waiting.findIndex((w) => w.kind in message);
    if (index < 0) return void seen.push(message);
    const [waiter] = waiting.splice(index, 1);
    waiter!.resolve(message[waiter!.kind]);
  });
  proc.send(order);
  return handle;
}

describe('coordinator loss and cleanup', () => {
  it('survives kill -9 of the coordinator at 40 %: a new process resumes the run by id, adopts finished and running jobs, and every side effect happens once', async () => {
    await startWorker('resume', 2);
    const effects = join(dir, 'effects.log');

    // The uninterrupted result, in this process.
    const reference = effectsGraph(join(dir, 'reference.log'));
    const expected = (await new ExecutionEngine().run(reference.graph)).getOutput(reference.last.id, 'value');

    const first = coordinator({ prefix, queue: 'resume', dir, effects });
    const runId = await first.next<string>('started');
    await first.next('checkpointed'); // the store holds l1a and l1b
    while (first.completed < 4 || !(first.running.has('l3a') || first.running.has('l3b'))) await first.next('progress');
    first.process.kill('SIGKILL'); // 4 of 11 operations completed: l2a and l2b finished in Redis only; l3a or l3b running on the worker
    expect(await first.exited).toBeNull();

    const second = coordinator({ prefix, queue: 'resume', dir, effects, resume: runId });
    const done = await second.next<{ runId: string; status: string; error?: string; value: unknown; restored: string[] }>('done');
    expect(await second.exited).toBe(0);
    expect(done.error).toBeUndefined();
    expect(done.status).toBe('succeeded');
    expect(done.runId).not.toBe(runId);
    expect(done.value).toBe(expected);
    expect(done.restored).toEqual(['l1a', 'l1b']);
    // Every operation ran exactly once, under the first run's key, across both coordinators.
    expect(effectCounts(effects)).toEqual(Object.fromEntries(EFFECT_IDS.map((id) => [`${runId}/${id}`, 1])));
    // The run ended: its jobs (l1a and l1b's too, which the second coordinator restored and never added) are gone.
    expect(await keysLeft()).toEqual(bookkeeping('resume'));
  });

  it('adopts a job that finished before it was added again: its stored outcome is accepted at once, without an event, and it does not run again', async () => {
    await startWorker('adopt');
    const first = executorFor('adopt');
    const second = executorFor('adopt', { ignoreOutcomeEvents: true, reconcileMs: 600_000 }); // only the read after add can settle it
    const op = new F.Hold({ id: 'once', params: { ms: 0, tag: 5 } });
    const firstProgress: string[] = [];
    const secondProgress: string[] = [];
    try {
      expect(await first.execute(op, {}, context('r1', 'r1/once', 'once', firstProgress))).toEqual({ tag: 5 });
      // The coordinator of r1 died before the run ended; r2 resumes it: same key, so the same job id.
      expect(await second.execute(op, {}, context('r2', 'r1/once', 'once', secondProgress))).toEqual({ tag: 5 });
      expect(firstProgress).toEqual(['started']);
      expect(secondProgress).toEqual([]); // it did not run again
      expect(second.settledFromStore).toEqual({ afterAdd: 1, reconcile: 0 });
      expect(second.acceptedResults).toBe(1);
      expect(await redis.smembers(chainJobsKeyOf(prefix, queueNameOf('adopt', 'test'), 'r1'))).toEqual([jobIdOf('r1', 'once', 1)]);
      await second.runEnded('r2', { rootRunId: 'r1', status: 'succeeded', finishedAt: Date.now(), counts: { total: 1, succeeded: 1, failed: 0, skipped: 0, cancelled: 0 } });
      expect(await keysLeft()).toEqual(bookkeeping('adopt'));
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  }, 30_000);

  it('finishes a run whose completed and failed events are all lost, through the reconcile loop, then leaves only the queue\'s bookkeeping', async () => {
    await startWorker('lost', 2);
    const executor = executorFor('lost', { ignoreOutcomeEvents: true, reconcileMs: 200 });
    const engine = new ExecutionEngine({ cpuThreads: Infinity, executors: { cpu_bound: executor } });
    const graph = new GraphDefinition({ name: 'lost' });
    for (const tag of [1, 2, 3]) graph.add(new F.Hold({ id: `hold${tag}`, params: { ms: 300, tag } }));
    try {
      const result = await engine.run(graph);
      expect(result.getErrorMessage()).toBeUndefined();
      expect([1, 2, 3].map((tag) => result.getOutput(`hold${tag}`, 'tag'))).toEqual([1, 2, 3]);
      const settled = executor.settledFromStore;
      expect(settled.reconcile).toBeGreaterThan(0);
      expect(settled.reconcile + settled.afterAdd).toBe(3);
      expect(executor.acceptedResults).toBe(3);
    } finally {
      await engine.close();
    }
    expect(await keysLeft()).toEqual(bookkeeping('lost'));
  }, 60_000);

  it('removes a cancelled run\'s jobs, cancel keys and job set once its running job has stopped', async () => {
    await startWorker('cancelled', 1);
    const executor = executorFor('cancelled');
    const engine = new ExecutionEngine({ cpuThreads: Infinity, executors: { cpu_bound: executor } });
    const graph = new GraphDefinition({ name: 'cancelled' });
    graph.add(new F.Hold({ id: 'a', params: { ms: 600_000, tag: 1 } }));
    graph.add(new F.Hold({ id: 'b', params: { ms: 600_000, tag: 2 } }));
    try {
      const run = engine.start(graph);
      run.events$.subscribe((event: EngineEvent) => event.type === 'OperationProgress' && run.cancel('test cancel'));
      expect((await run.result).status).toBe('cancelled');
    } finally {
      await engine.close();
    }
    expect(await keysLeft()).toEqual(bookkeeping('cancelled'));
  });
});
