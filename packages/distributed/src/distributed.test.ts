import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { ExecutionEngine, GraphDefinition, v8Codec, GraphValidationError, Operation, OperationOptions, Output, Value, type EngineEvent, type ExecutionResult, type OutputPort, type Outputs } from '@portflow/core';
import { BullMQExecutor } from './bullmq-executor';
import { createDistributedEngine } from './distributed-engine';
import { listWorkers } from './fleet';
import { codeHashOf } from './code-hash';
import { jobIdOf, PROTOCOL_VERSION, queueNameOf, type JobOutcome } from './protocol';
import { connectTestRedis, deleteKeysUnder, keysUnder, REDIS_URL, testPrefix } from './testing/redis';
import { loadFixtures, loadUnlisted, PACKAGE_DIR, spawnWorker, type WorkerProcess } from './testing/worker-process';

jest.setTimeout(120_000); // upper bound only: nothing here waits on the clock

const F = loadFixtures();
const prefix = testPrefix();
let redis: Redis;
const workers: WorkerProcess[] = [];

/** A distributed engine on this test run's prefix, routing cpu_bound operations to `queue`. */
function engineFor(queue: string): ExecutionEngine {
  return createDistributedEngine({ connection: REDIS_URL, prefix, buildId: 'test', root: PACKAGE_DIR, queues: { cpu_bound: queue }, reconcileMs: 500 });
}

async function startWorkers(queue: string, count: number, options: { concurrency?: number; threads?: number; lockDuration?: number; stalledInterval?: number; cli?: boolean } = {}): Promise<WorkerProcess[]> {
  const started = await Promise.all(Array.from({ length: count }, () => spawnWorker({ prefix, queue, ...options })));
  workers.push(...started);
  return started;
}

function valuesGraph(): { graph: GraphDefinition; ops: Operation[] } {
  const graph = new GraphDefinition({ name: 'values' });
  const ops: Operation[] = [];
  for (const seed of [7, 9]) {
    const source = new Value(seed, { id: `seed${seed}` });
    const make = new F.MakeValues({ id: `make${seed}`, params: { count: 3 } });
    const sum = new F.Summarize({ id: `sum${seed}` });
    graph.connect(source, 'value', make, 'seed');
    graph.connect(make, 'table', sum, 'table');
    graph.connect(make, 'when', sum, 'when');
    graph.connect(make, 'bytes', sum, 'bytes');
    ops.push(make, sum);
  }
  const big = new F.Megabyte({ id: 'megabyte', params: { seed: 42 } });
  const check = new F.Checksum({ id: 'checksum' });
  graph.connect(big, 'data', check, 'data');
  ops.push(big, check);
  return { graph, ops };
}

function outputsOf(result: ExecutionResult, ops: readonly Operation[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const op of ops) for (const port of op.outputPorts) out[`${op.id}.${port.name}`] = result.getOutput(op.id, port.name);
  return out;
}

beforeAll(async () => {
  redis = await connectTestRedis();
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  if (redis === undefined) return;
  await deleteKeysUnder(redis, prefix);
  const left = await keysUnder(redis, prefix);
  await redis.quit();
  expect(left).toEqual([]);
});

describe('createDistributedEngine', () => {
  it('gives the same outputs and events as a local engine, Map, Date, Uint8Array, bigint and a 1 MiB output included, with two `portflow worker` processes', async () => {
    const cliWorkers = await startWorkers('same', 2, { concurrency: 2, cli: true });
    for (const w of cliWorkers) expect(w.stdout()).toMatch(/^portflow worker ready: pid \d+, queue same \(build test\), concurrency 2, threads 2, prefix pftest-/);
    const completedIn = (run: { events$: { subscribe(f: (e: EngineEvent) => void): unknown } }): string[] => {
      const ids: string[] = [];
      run.events$.subscribe((event: EngineEvent) => event.type === 'OperationCompleted' && ids.push(event.operationId));
      return ids;
    };
    const local = valuesGraph();
    const localEngine = new ExecutionEngine();
    const localRun = localEngine.start(local.graph, { retainOutputs: true });
    const localCompleted = completedIn(localRun);
    const expected = await localRun.result;
    await localEngine.close();
    expect(expected.status).toBe('succeeded');

    const remote = valuesGraph();
    const engine = engineFor('same');
    let result: ExecutionResult;
    let remoteCompleted: string[];
    try {
      const run = engine.start(remote.graph, { retainOutputs: true });
      remoteCompleted = completedIn(run);
      result = await run.result;
    } finally {
      await engine.close();
    }
    expect(result.getErrorMessage()).toBeUndefined();
    const got = outputsOf(result, remote.ops);
    expect(Object.keys(got)).toHaveLength(12);
    expect(got).toEqual(outputsOf(expected, local.ops));
    expect(remoteCompleted.sort()).toEqual(localCompleted.sort());
    expect(remoteCompleted).toHaveLength(8); // seed7, seed9, make7, make9, sum7, sum9, megabyte, checksum
    expect(got['make7.table']).toBeInstanceOf(Map);
    expect(typeof (got['make7.table'] as Map<string, unknown>).get('k2')).toBe('bigint');
    expect(got['make9.when']).toBeInstanceOf(Date);
    expect(got['make9.bytes']).toBeInstanceOf(Uint8Array);
    expect(typeof got['sum9.total']).toBe('bigint');
    expect(got['megabyte.data']).toBeInstanceOf(Uint8Array);
    expect((got['megabyte.data'] as Uint8Array).byteLength).toBe(1024 * 1024);
    expect((got['checksum.digest'] as Map<string, number>).get('length')).toBe(1024 * 1024);

    // SIGTERM drains them; they exit 0 and take their heartbeats with them.
    await Promise.all(cliWorkers.map((w) => w.stop()));
    expect(await Promise.all(cliWorkers.map((w) => w.exited))).toEqual([0, 0]);
    expect((await listWorkers({ connection: REDIS_URL, prefix })).filter((w) => w.queues.includes('same'))).toEqual([]);
  });

  it('runs a cpu_bound operation that computes synchronously for longer than lockDuration once, on a thread: the worker keeps its lock', async () => {
    await startWorkers('spin', 2, { concurrency: 1, threads: 1, lockDuration: 1000, stalledInterval: 500 });
    const graph = new GraphDefinition({ name: 'spin' });
    graph.add(new F.Spin({ id: 'spin', params: { ms: 3000 } }));
    // Without runEnded, so that the run's job stays after the run for the checks below (the executor's cleanup then removes it).
    const executor = new BullMQExecutor({ connection: REDIS_URL, prefix, buildId: 'test', root: PACKAGE_DIR, queue: 'spin', reconcileMs: 500 });
    const engine = new ExecutionEngine({ cpuThreads: Infinity, executors: { cpu_bound: { execute: (op, inputs, context) => executor.execute(op, inputs, context), close: () => executor.close() } } });
    const starts: { pid?: number; mainThread?: boolean }[] = [];
    let result: ExecutionResult;
    try {
      const run = engine.start(graph, { runId: 'spin-run' });
      run.events$.subscribe((event: EngineEvent) => event.type === 'OperationProgress' && starts.push((event.data ?? {}) as { pid?: number; mainThread?: boolean }));
      result = await run.result;
    } finally {
      await engine.close();
    }
    expect(result.getErrorMessage()).toBeUndefined();
    expect(result.getOutput('spin', 'spins')).toBe(1);
    expect(starts).toHaveLength(1);
    expect(starts[0]!.mainThread).toBe(false);
    const queue = new Queue(queueNameOf('spin', 'test'), { connection: { url: REDIS_URL }, prefix });
    try {
      const job = await queue.getJob(jobIdOf('spin-run', 'spin', 1));
      expect(job).toBeDefined();
      expect({ attemptsStarted: job!.attemptsStarted, stalledCounter: job!.stalledCounter }).toEqual({ attemptsStarted: 1, stalledCounter: 0 });
    } finally {
      await queue.close();
    }
    const cleaner = new BullMQExecutor({ connection: REDIS_URL, prefix, buildId: 'test', root: PACKAGE_DIR, queue: 'spin' });
    try {
      await cleaner.runEnded('spin-run', { rootRunId: 'spin-run', status: 'succeeded', finishedAt: Date.now(), counts: { total: 1, succeeded: 1, failed: 0, skipped: 0, cancelled: 0 } });
    } finally {
      await cleaner.close();
    }
    expect(await keysUnder(redis, `${prefix}:${queueNameOf('spin', 'test')}:spin-run`)).toEqual([]);
  });

  it('fails an operation whose module no worker may load, with the resolver\'s reason', async () => {
    await startWorkers('unlisted', 1);
    const { Unlisted } = loadUnlisted();
    const graph = new GraphDefinition({ name: 'unlisted' });
    graph.add(new Unlisted({ id: 'unlisted' }));
    const engine = engineFor('unlisted');
    let result: ExecutionResult;
    try {
      result = await engine.run(graph);
    } finally {
      await engine.close();
    }
    expect(result.status).toBe('failed');
    expect(result.getErrorMessage()).toMatch(/OperationRefError: Module specifier '\.\/dist\/__fixtures__\/unlisted-operations\.js' is not in this resolver's allow list/);
  });

  it('has workers refuse a job whose ref names an absolute path or a path outside their root', async () => {
    await startWorkers('forged', 1);
    const queueName = queueNameOf('forged', 'test');
    const queue = new Queue(queueName, { connection: { url: REDIS_URL }, prefix });
    // From the stream's start: '$' misses events written before the first XREAD (bullmq#2874), and waitUntilFinished would wait forever.
    const events = new QueueEvents(queueName, { connection: { url: REDIS_URL }, prefix, lastEventId: '0-0' });
    try {
      await events.waitUntilReady();
      const outcomes: JobOutcome[] = [];
      for (const specifier of [`${PACKAGE_DIR}/dist/__fixtures__/operations.js`, '../workers/dist/__fixtures__/operations.js']) {
        const ref = { type: 'Hold', version: 1, params: { ms: 0, tag: 1 }, id: 'hold', module: { specifier, export: 'Hold' } };
        const data = { protocol: PROTOCOL_VERSION, ref, runId: 'forged', operationId: 'hold', attempt: 1, inputs: Buffer.from(v8Codec.encode({})).toString('base64') };
        const job = await queue.add('hold', data, { jobId: jobIdOf('forged', specifier.startsWith('/') ? 'absolute' : 'outside', 1) });
        outcomes.push((await job.waitUntilFinished(events)) as JobOutcome);
      }
      expect(outcomes).toMatchObject([
        { ok: false, error: { name: 'OperationRefError', message: expect.stringMatching(/is not allowed: use a package name or a path relative to the resolver's root, never an absolute path/) } },
        { ok: false, error: { name: 'OperationRefError', message: expect.stringMatching(/points outside the resolver's root|not in this resolver's allow list/) } },
      ]);
    } finally {
      await Promise.all([events.close(), queue.close()]);
    }
  });

  it('has a worker refuse a job built for other code than its own (the module file\'s sha256 differs), and run it when they match', async () => {
    await startWorkers('hashed', 1);
    const queueName = queueNameOf('hashed', 'test');
    const queue = new Queue(queueName, { connection: { url: REDIS_URL }, prefix });
    // From the stream's start: '$' misses events written before the first XREAD (bullmq#2874), and waitUntilFinished would wait forever.
    const events = new QueueEvents(queueName, { connection: { url: REDIS_URL }, prefix, lastEventId: '0-0' });
    try {
      await events.waitUntilReady();
      const module = { specifier: './dist/__fixtures__/operations.js', export: 'Hold' };
      const ref = { type: 'Hold', version: 1, params: { ms: 0, tag: 3 }, id: 'hold', module };
      const outcomes: JobOutcome[] = [];
      for (const [name, codeHash] of [['stale', 'a'.repeat(64)], ['same', codeHashOf(module, PACKAGE_DIR)!]] as const) {
        const data = { protocol: PROTOCOL_VERSION, ref, runId: 'hashed', operationId: 'hold', attempt: 1, codeHash, inputs: Buffer.from(v8Codec.encode({})).toString('base64') };
        const job = await queue.add('hold', data, { jobId: jobIdOf('hashed', name, 1) });
        outcomes.push((await job.waitUntilFinished(events)) as JobOutcome);
      }
      expect(outcomes[0]).toMatchObject({ ok: false, error: { message: expect.stringMatching(/this worker's \.\/dist\/__fixtures__\/operations\.js \(sha256 [0-9a-f]{12}\.\.\.\) is not the file the coordinator built the job for \(aaaaaaaaaaaa\.\.\.\): deploy the same build/) } });
      expect(outcomes[1]).toMatchObject({ ok: true });
    } finally {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await Promise.all([events.close(), queue.close()]);
    }
  });

  it('rejects, before any job is added, an operation whose module cannot be found', async () => {
    @OperationOptions({ resource: 'cpu_bound', module: '@portflow/no-such-operations' })
    class Missing extends Operation {
      @Output(Number) one!: OutputPort<number>;
      execute(): Outputs<Missing> {
        return { one: 1 };
      }
    }
    const graph = new GraphDefinition({ name: 'missing' });
    graph.add(new Missing({ id: 'missing' }));
    const engine = engineFor('never');
    try {
      await expect(engine.run(graph)).rejects.toThrow(GraphValidationError);
      await expect(engine.run(graph)).rejects.toThrow(/@portflow\/no-such-operations/);
    } finally {
      await engine.close();
    }
    expect(await keysUnder(redis, `${prefix}:${queueNameOf('never', 'test')}`)).toEqual([]);
  });

  it('cancels mid-run: the waiting job is removed and the running one sees its signal abort', async () => {
    await startWorkers('cancel', 1, { concurrency: 1 });
    const graph = new GraphDefinition({ name: 'cancel' });
    graph.add(new F.Hold({ id: 'a', params: { ms: 600_000, tag: 1 } }));
    graph.add(new F.Hold({ id: 'b', params: { ms: 600_000, tag: 2 } }));
    const queueName = queueNameOf('cancel', 'test');
    const queue = new Queue(queueName, { connection: { url: REDIS_URL }, prefix });
    // From the stream's start: '$' misses events written before the first XREAD (bullmq#2874), and waitUntilFinished would wait forever.
    const events = new QueueEvents(queueName, { connection: { url: REDIS_URL }, prefix, lastEventId: '0-0' });
    const engine = engineFor('cancel');
    const outcomes = new Map<string, unknown>();
    let outcomeArrived: (() => void) | undefined;
    events.on('completed', ({ jobId, returnvalue }) => {
      outcomes.set(jobId, returnvalue);
      outcomeArrived?.();
    });
    const outcomeOf = async (jobId: string): Promise<unknown> => {
      while (!outcomes.has(jobId)) await new Promise<void>((resolve) => (outcomeArrived = resolve));
      return outcomes.get(jobId);
    };
    try {
      await events.waitUntilReady();
      const run = engine.start(graph, { runId: 'cancel-run' });
      const started: string[] = [];
      run.events$.subscribe((event: EngineEvent) => {
        if (event.type === 'OperationProgress') {
          started.push(event.operationId);
          run.cancel('test cancel');
        }
      });
      const result = await run.result;
      expect(result.status).toBe('cancelled');
      await engine.close(); // waits for the cancellations it sent, and for the run's cleanup
      expect(started).toHaveLength(1); // the waiting job was removed before a worker took it
      const running = started[0]!;
      const outcome = (await outcomeOf(jobIdOf('cancel-run', running, 1))) as JobOutcome;
      expect(typeof outcome === 'string' ? JSON.parse(outcome) : outcome).toMatchObject({ ok: false, aborted: true, error: { message: expect.stringMatching(/^saw abort: .*test cancel/) } });
      // The run ended: both jobs are gone (the running one once it stopped).
      expect(await queue.getJob(jobIdOf('cancel-run', 'a', 1))).toBeUndefined();
      expect(await queue.getJob(jobIdOf('cancel-run', 'b', 1))).toBeUndefined();
    } finally {
      await engine.close();
      await Promise.all([events.close(), queue.close()]);
    }
  });

  it('survives kill -9 of a worker holding jobs: stalled jobs run again on the other worker, each result accepted once', async () => {
    const [victim, survivor] = await startWorkers('loss', 2, { concurrency: 2, lockDuration: 3000, stalledInterval: 1500 });
    const graph = new GraphDefinition({ name: 'loss' });
    const holds = [1, 2, 3, 4].map((tag) => new F.Hold({ id: `hold${tag}`, params: { ms: 4000, tag } })); // long enough that the kill lands while the victim holds its jobs, even on a loaded machine
    for (const op of holds) graph.add(op);
    const engine = engineFor('loss');
    const seen: EngineEvent[] = [];
    let killed: Promise<void> | undefined;
    let runId = '';
    try {
      const run = engine.start(graph, { retainOutputs: true });
      runId = run.runId;
      run.events$.subscribe((event: EngineEvent) => {
        seen.push(event);
        if (event.type === 'OperationProgress' && event.data?.pid === victim!.pid) killed ??= victim!.kill();
      });
      const result = await run.result;
      await killed;
      expect(result.getErrorMessage()).toBeUndefined();
      expect(holds.map((op) => result.getOutput(op.id, 'tag'))).toEqual([1, 2, 3, 4]);
    } finally {
      await engine.close();
    }
    expect(killed).toBeDefined();
    const completed = seen.filter((e) => e.type === 'OperationCompleted').map((e) => (e as { operationId: string }).operationId);
    expect(completed.sort()).toEqual(holds.map((op) => op.id));
    expect(seen.filter((e) => e.type === 'OperationRetrying')).toEqual([]);
    // The jobs the dead worker held started again on the survivor, with the same idempotency key.
    const starts = seen
      .filter((e) => e.type === 'OperationProgress')
      .map((e) => ({ op: (e as { operationId: string }).operationId, pid: (e as { data?: { pid?: number } }).data?.pid, key: (e as { data?: { key?: string } }).data?.key }));
    const onVictim = new Set(starts.filter((s) => s.pid === victim!.pid).map((s) => s.op));
    expect(onVictim.size).toBeGreaterThan(0);
    for (const op of onVictim) {
      const key = `${runId}/${op}`;
      expect(starts).toContainEqual({ op, pid: victim!.pid, key });
      expect(starts).toContainEqual({ op, pid: survivor!.pid, key });
    }
  });
});
