import { once } from 'node:events';
import { nextEvent } from '@portflow/core/testing';
import type { Worker } from 'node:worker_threads';
import { GraphDefinition } from '@portflow/core';
import { createWorkerEngine, createWorkerExecutor } from './index';
import { loadFixtures } from './testing/fixtures';

jest.setTimeout(30_000);

const ops = loadFixtures();

function busyGraph(count: number, ms = 20): GraphDefinition {
  const g = new GraphDefinition();
  for (let i = 0; i < count; i++) g.add(new ops.Busy({ id: `b${i}`, params: { ms } }));
  return g;
}


describe('worker threads and close()', () => {
  it('creates pools lazily, on the first worker operation', async () => {
    const engine = createWorkerEngine({ cpuThreads: 2 });
    try {
      expect(engine.workers.pools).toEqual({ cpu: undefined, memory: undefined });
      await engine.run(busyGraph(2));
      expect(engine.workers.pools.cpu).toBeDefined();
      expect(engine.workers.pools.memory).toBeUndefined();
    } finally {
      await engine.close();
    }
  });

  it('leaves no threads behind after engine.close(): every worker has exited', async () => {
    const engine = createWorkerEngine({ cpuThreads: 2 });
    const small = createWorkerEngine({ cpuThreads: 1, workers: { memoryLimitMb: 48 } });
    try {
      const g = busyGraph(4);
      g.add(new ops.Crasher({ id: 'memory', resource: 'memory_bound', params: { how: 'oom' } }));
      await engine.run(busyGraph(4));
      await small.run(g, { failurePolicy: 'continue' }); // uses both pools
      const threads: Worker[] = [...engine.workers.pools.cpu!.threads, ...small.workers.pools.cpu!.threads, ...small.workers.pools.memory!.threads];
      expect(threads.length).toBeGreaterThanOrEqual(3);
      const exits = threads.map((t) => once(t, 'exit'));
      await engine.close();
      await small.close();
      await Promise.all(exits);
      expect(engine.workers.threadCount).toBe(0);
      expect(small.workers.threadCount).toBe(0);
      expect(engine.workers.pools.cpu!.threads).toHaveLength(0);
    } finally {
      await engine.close(); // no-ops when the test got there; otherwise no pool outlives the test
      await small.close();
    }
  });

  it('close() while a worker operation runs cancels it and still ends every thread', async () => {
    const engine = createWorkerEngine({ cpuThreads: 1, workers: { abortGraceMs: 10 } });
    try {
      const g = new GraphDefinition();
      g.add(new ops.SpinForever({ id: 'spinner' }));
      const handle = engine.start(g);
      // OperationStarted fires when the task is handed to the pool; the spinner's
      // progress report says its thread is inside execute().
      await nextEvent(handle, 'OperationProgress', 'spinner');
      await engine.close();
      expect((await handle.result).status).toBe('cancelled');
      expect(engine.workers.threadCount).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it('an executor closed directly aborts its running tasks instead of leaving them hanging', async () => {
    const workers = createWorkerExecutor({ threads: 1 });
    try {
      const op = new ops.SpinForever({ id: 'spinner' });
      let markSpinning!: () => void;
      const spinning = new Promise<void>((resolve) => (markSpinning = resolve));
      const context = {
        runId: 'r',
        operationId: 'spinner',
        attempt: 1,
        idempotencyKey: 'r/spinner',
        signal: new AbortController().signal,
        logger: { debug() {}, info() {}, warn() {}, error() {}, child() { return this; } },
        variables: {},
        reportProgress: () => markSpinning(), // the spinner reports from inside execute(), on its thread
      };
      const running = workers.execute(op, {}, context) as Promise<unknown>;
      // Handled from the start: close() rejects `running` while the test awaits close().
      const outcome = running.then(
        () => 'resolved',
        (error: unknown) => error,
      );
      await Promise.race([spinning, outcome]); // `outcome` only wins if the task ended without running
      await workers.close();
      expect(await outcome).toMatchObject({ message: expect.stringContaining('the worker executor was closed') });
      expect(workers.threadCount).toBe(0);
      expect(() => workers.execute(op, {}, context)).toThrow(/the worker executor is closed/);
    } finally {
      await workers.close();
    }
  });

  it('supports await using', async () => {
    let engineRef: ReturnType<typeof createWorkerEngine> | undefined;
    {
      const engine = createWorkerEngine({ cpuThreads: 1 });
      engineRef = engine;
      try {
        await engine.run(busyGraph(1));
        expect(engine.workers.threadCount).toBe(1);
      } finally {
        await engine[Symbol.asyncDispose]();
      }
    }
    expect(engineRef.workers.threadCount).toBe(0);
  });
});
