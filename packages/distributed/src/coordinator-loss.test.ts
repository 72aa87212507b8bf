import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { ExecutionEngine, GraphDefinition, silentLogger, type EngineEvent, type ExecutionContext } from '@portflow/core';
import { BullMQExecutor } from './bullmq-executor';
import { isPortflowError } from '@portflow/core';
import { chainJobsKeyOf, jobIdOf, queueNameOf } from './protocol';
import { leaseKeyOf, leaseValueOf } from './run-lease';
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

function executorFor(queue: string, options: { reconcileMs?: number; ignoreOutcomeEvents?: boolean; leaseMs?: number; checkWorkers?: boolean } = {}): BullMQExecutor {
  return new BullMQExecutor({
    connection: REDIS_URL,
    prefix,
    buildId: 'test',
    root: PACKAGE_DIR,
    queue,
    reconcileMs: options.reconcileMs ?? 500,
    ...(options.ignoreOutcomeEvents === true ? { ignoreOutcomeEvents: true } : {}),
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    ...(options.checkWorkers === undefined ? {} : { checkWorkers: options.checkWorkers }),
  });
}

/** The pid of a process of this host that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid;
}

const ENDED = { status: 'succeeded', finishedAt: 0, counts: { total: 1, succeeded: 1, failed: 0, skipped: 0, cancelled: 0 } } as const;

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

function context(runId: string, idempotencyKey: string, operationId: string, progress: string[], signal = new AbortController().signal): ExecutionContext {
  return {
    runId,
    operationId,
    attempt: 1,
    idempotencyKey,
    signal,
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
      // The coordinator of r1 died before the run ended (its lease names a process of this host that is gone,
      // so r2 takes it over at once); r2 resumes it: same key, so the same job id.
      await redis.set(leaseKeyOf(prefix, 'r1'), JSON.stringify({ ...(JSON.parse(leaseValueOf('r1')) as object), pid: deadPid() }), 'PX', 60_000);
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

describe('the coordinator lease', () => {
  it('refuses a second live coordinator of a run chain (after waiting two lease durations), and its end leaves the chain\'s jobs to the first', async () => {
    // No worker serves the queue: the first coordinator's job waits, and its lease is renewed meanwhile.
    const first = executorFor('leased', { checkWorkers: false, leaseMs: 300 });
    const second = executorFor('leased', { checkWorkers: false, leaseMs: 300 });
    const op = new F.Hold({ id: 'wait', params: { ms: 0, tag: 1 } });
    const cancel = new AbortController();
    try {
      const waiting = first.execute(op, {}, context('r1', 'r1/wait', 'wait', [], cancel.signal));
      const waitingOutcome = waiting.catch((error: unknown) => error);
      const queue = queueNameOf('leased', 'test');
      while ((await redis.scard(chainJobsKeyOf(prefix, queue, 'r1'))) === 0) await new Promise((resolve) => setImmediate(resolve)); // the job is added
      const holder = JSON.parse((await redis.get(leaseKeyOf(prefix, 'r1')))!) as { runId: string; host: string; pid: number };
      expect(holder).toMatchObject({ runId: 'r1', host: hostname(), pid: process.pid });

      // r2 resumes the chain while r1's coordinator lives.
      const refused = await second.execute(op, {}, context('r2', 'r1/wait', 'wait', [])).catch((error: unknown) => error);
      expect(isPortflowError(refused, 'PORTFLOW_RUN_LEASE')).toBe(true);
      expect((refused as Error).message).toMatch(/^Run 'r2' cannot drive run chain 'r1': run 'r1' on .+ \(pid \d+\) holds its coordinator lease, and the lease did not run out in the 0.6 s this run waited, so a live coordinator renews it\./);
      // Its retries fail at once, with the same refusal (no second wait).
      expect(await second.execute(op, {}, { ...context('r2', 'r1/wait', 'wait', []), attempt: 2 }).catch((error: unknown) => error)).toBe(refused);
      await expect(second.runEnded('r2', { rootRunId: 'r1', ...ENDED })).rejects.toThrow(/Run 'r2' ended without removing its chain's jobs .* run 'r1' .* holds the coordinator lease of chain 'r1'/);
      // The same, when r2 ends on the executor that drives r1 (one process, one executor): r1's jobs and lease stay.
      await expect(first.runEnded('r2', { rootRunId: 'r1', ...ENDED })).rejects.toThrow(/Run 'r2' ended without removing its chain's jobs/);
      expect(await redis.scard(chainJobsKeyOf(prefix, queue, 'r1'))).toBe(1); // r1's job is still there
      expect(await redis.exists(`${prefix}:${queue}:${jobIdOf('r1', 'wait', 1)}`)).toBe(1);
      expect(JSON.parse((await redis.get(leaseKeyOf(prefix, 'r1')))!)).toMatchObject({ runId: 'r1' });

      // r1 ends (cancelled): its job goes, and so does the lease.
      cancel.abort(new Error('test over'));
      expect(await waitingOutcome).toEqual(new Error('test over'));
      await first.runEnded('r1', { rootRunId: 'r1', ...ENDED, status: 'cancelled' });
      expect(await redis.exists(leaseKeyOf(prefix, 'r1'))).toBe(0);
      // The queue's bookkeeping, and its marker (a worker would have taken it): nothing of the run.
      expect(await keysLeft()).toEqual([...bookkeeping('leased'), `${queue}:marker`].sort());
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it("shares one run's lease among the executors of its engine: it goes when the last of them lets go", async () => {
    const a = executorFor('lease-a', { checkWorkers: false, leaseMs: 300 });
    const b = executorFor('lease-b', { checkWorkers: false, leaseMs: 300 });
    const cancelA = new AbortController();
    const cancelB = new AbortController();
    try {
      const outcomes = [
        a.execute(new F.Hold({ id: 'x', params: { ms: 0, tag: 1 } }), {}, context('r1', 'r1/x', 'x', [], cancelA.signal)).catch((e: unknown) => e),
        b.execute(new F.Hold({ id: 'y', params: { ms: 0, tag: 2 } }), {}, context('r1', 'r1/y', 'y', [], cancelB.signal)).catch((e: unknown) => e),
      ];
      const added = async (queue: string, op: string): Promise<boolean> => (await redis.exists(`${prefix}:${queueNameOf(queue, 'test')}:${jobIdOf('r1', op, 1)}`)) === 1;
      while (!((await added('lease-a', 'x')) && (await added('lease-b', 'y')))) await new Promise((resolve) => setImmediate(resolve));
      cancelA.abort(new Error('over'));
      cancelB.abort(new Error('over'));
      await Promise.all(outcomes);
      await a.runEnded('r1', { rootRunId: 'r1', ...ENDED, status: 'cancelled' });
      expect(await redis.exists(leaseKeyOf(prefix, 'r1'))).toBe(1); // b still removes its jobs under it
      await b.runEnded('r1', { rootRunId: 'r1', ...ENDED, status: 'cancelled' });
      expect(await redis.exists(leaseKeyOf(prefix, 'r1'))).toBe(0);
      const marker = (queue: string): string => `${queueNameOf(queue, 'test')}:marker`;
      expect(await keysLeft()).toEqual([...bookkeeping('lease-a'), ...bookkeeping('lease-b'), marker('lease-a'), marker('lease-b')].sort());
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('ends the attempts of a coordinator whose lease another run took (it stalled past it), and leaves the jobs to that run', async () => {
    const executor = executorFor('stolen', { checkWorkers: false, leaseMs: 300 });
    const op = new F.Hold({ id: 'wait', params: { ms: 0, tag: 1 } });
    try {
      const outcome = executor.execute(op, {}, context('r1', 'r1/wait', 'wait', [])).catch((error: unknown) => error);
      while ((await redis.exists(leaseKeyOf(prefix, 'r1'))) === 0) await new Promise((resolve) => setImmediate(resolve));
      // Another coordinator took the chain over (as if this one had stalled for longer than the lease).
      await redis.set(leaseKeyOf(prefix, 'r1'), JSON.stringify({ runId: 'r2', host: 'elsewhere', pid: 7 }), 'PX', 60_000);
      const error = await outcome; // settled by the next renewal
      expect(isPortflowError(error, 'PORTFLOW_RUN_LEASE')).toBe(true);
      expect((error as Error).message).toMatch(/^Run 'r1' lost the coordinator lease of run chain 'r1' to run 'r2' on elsewhere \(pid 7\)/);
      // Nothing more of the chain is added by it, and its end removes nothing.
      const again = await executor.execute(new F.Hold({ id: 'next', params: { ms: 0, tag: 2 } }), {}, context('r1', 'r1/next', 'next', [])).catch((e: unknown) => e);
      expect(isPortflowError(again, 'PORTFLOW_RUN_LEASE')).toBe(true);
      await expect(executor.runEnded('r1', { rootRunId: 'r1', ...ENDED })).rejects.toThrow(/held|holds the coordinator lease/);
      expect(await redis.exists(`${prefix}:${queueNameOf('stolen', 'test')}:${jobIdOf('r1', 'wait', 1)}`)).toBe(1);
      expect(JSON.parse((await redis.get(leaseKeyOf(prefix, 'r1')))!)).toMatchObject({ runId: 'r2' });
    } finally {
      await executor.close();
    }
  });
});
