import { once } from 'node:events';
import { nextEvent } from '@portflow/core/testing';
import { createLogger, GraphDefinition, OperationTimeoutError, type EngineEvent, type LogEntry, type OperationFailed } from '@portflow/core';
import { createWorkerEngine, WorkerCrashError } from './index';
import { loadFixtures, shareMeetingPoint } from './testing/fixtures';

jest.setTimeout(30_000);

const ops = loadFixtures();

function failures(events: EngineEvent[]): OperationFailed[] {
  return events.filter((e): e is OperationFailed => e.type === 'OperationFailed');
}


describe('a worker that crashes', () => {
  it.each([
    ['exit', /worker thread exited \(worker exited with code: 3\)/],
    ['uncaught', /crashed with an uncaught exception: Error: escaped from a callback/],
  ] as const)('(%s) fails only that attempt, which is retried, and the pool recovers', async (how, message) => {
    const engine = createWorkerEngine({ cpuThreads: 2, retry: { maxAttempts: 2, delaysMs: [1] } });
    const events: EngineEvent[] = [];
    engine.events$.subscribe((e) => events.push(e));
    try {
      const g = new GraphDefinition();
      const crasher = new ops.Crasher({ id: 'crasher', params: { how } });
      const neighbour = new ops.Busy({ id: 'neighbour', params: { ms: 200 } }); // runs on the other thread meanwhile
      g.add(crasher, neighbour);
      const result = await engine.run(g);
      expect(result.status).toBe('succeeded');
      expect(result.getOutput(crasher, 'attempt')).toBe(2);
      expect(result.getRecord('neighbour').attempts).toBe(1); // untouched by its neighbour's crash
      const [failed] = failures(events);
      expect(failed).toMatchObject({ operationId: 'crasher', attempt: 1, willRetry: true, error: { name: 'WorkerCrashError', code: 'PORTFLOW_WORKER_CRASHED' } });
      expect(failed!.error.message).toMatch(message);

      // The pool replaced the dead thread: more work runs, on at most `threads` threads.
      const again = new GraphDefinition();
      const busy = [new ops.Busy({ id: 'b1', params: { ms: 20 } }), new ops.Busy({ id: 'b2', params: { ms: 20 } }), new ops.Busy({ id: 'b3', params: { ms: 20 } })];
      again.add(...busy);
      expect((await engine.run(again)).status).toBe('succeeded');
      expect(engine.workers.threadCount).toBeLessThanOrEqual(2);
    } finally {
      await engine.close();
    }
  });

  it('reports the crash kind on the error, and fails the run when retries run out', async () => {
    const engine = createWorkerEngine({ cpuThreads: 1 });
    try {
      const g = new GraphDefinition();
      g.add(new ops.Crasher({ id: 'crasher', params: { how: 'exit' } }));
      const result = await engine.run(g);
      expect(result.status).toBe('failed');
      const error = result.errors[0]!.error;
      expect(error).toBeInstanceOf(WorkerCrashError);
      expect(error).toMatchObject({ kind: 'exit', operationId: 'crasher', attempt: 1 });
    } finally {
      await engine.close();
    }
  });
});

describe('memory_bound operations', () => {
  it('run with a heap cap: a runaway operation fails with out_of_memory instead of taking the process down, and is retried', async () => {
    const engine = createWorkerEngine({ cpuThreads: 1, retry: { maxAttempts: 2, delaysMs: [1] }, workers: { memoryLimitMb: 48 } });
    const events: EngineEvent[] = [];
    engine.events$.subscribe((e) => events.push(e));
    try {
      const g = new GraphDefinition();
      const hog = new ops.Crasher({ id: 'hog', resource: 'memory_bound', params: { how: 'oom' } });
      g.add(hog);
      const result = await engine.run(g);
      expect(result.status).toBe('succeeded');
      expect(result.getOutput(hog, 'attempt')).toBe(2);
      const [failed] = failures(events);
      expect(failed!.error).toMatchObject({ name: 'WorkerCrashError', code: 'PORTFLOW_WORKER_CRASHED' });
      expect(failed!.error.message).toMatch(/ran out of memory/);
      // memory_bound operations have their own pool, whose threads carry the cap.
      const { cpu, memory } = engine.workers.pools;
      expect(cpu).toBeUndefined();
      expect(memory!.options.resourceLimits).toMatchObject({ maxOldGenerationSizeMb: 48 });
    } finally {
      await engine.close();
    }
  });

  it('the crash error says out_of_memory', async () => {
    const engine = createWorkerEngine({ cpuThreads: 1, workers: { memoryLimitMb: 48 } });
    try {
      const g = new GraphDefinition();
      g.add(new ops.Crasher({ id: 'hog', resource: 'memory_bound', params: { how: 'oom' } }));
      const result = await engine.run(g);
      expect(result.errors[0]!.error).toMatchObject({ kind: 'out_of_memory' });
    } finally {
      await engine.close();
    }
  });
});

describe('cancellation of a worker task', () => {
  it('reaches a cooperative operation through context.signal', async () => {
    const logs: LogEntry[] = [];
    const engine = createWorkerEngine({ cpuThreads: 1, logger: createLogger((e) => logs.push(e)) });
    try {
      const g = new GraphDefinition();
      g.add(new ops.WaitForAbort({ id: 'waiter' }));
      const handle = engine.start(g);
      // The waiter reports progress once it listens to its signal: cancelling
      // earlier could abort it before the listener is there to see it.
      await nextEvent(handle, 'OperationProgress', 'waiter');
      handle.cancel('user pressed stop');
      const result = await handle.result;
      expect(result.status).toBe('cancelled');
      expect(result.getRecord('waiter').status).toBe('cancelled');
      // The worker saw the abort (its log was forwarded), with the engine's reason.
      expect(logs).toEqual([expect.objectContaining({ level: 'warn', message: 'saw abort', fields: expect.objectContaining({ reason: 'Run cancelled: user pressed stop' }) })]);
    } finally {
      await engine.close();
    }
  });

  it('ends a synchronous loop that never looks at its signal by terminating its thread', async () => {
    const engine = createWorkerEngine({ cpuThreads: 1, workers: { abortGraceMs: 50 } });
    try {
      const g = new GraphDefinition();
      g.add(new ops.SpinForever({ id: 'spinner' }));
      const handle = engine.start(g);
      await nextEvent(handle, 'OperationProgress', 'spinner'); // in the loop, on its thread
      const [thread] = engine.workers.pools.cpu!.threads;
      const exited = once(thread!, 'exit');
      const cancelledAt = Date.now();
      handle.cancel('enough');
      const result = await handle.result;
      expect(result.status).toBe('cancelled');
      // The loop never returns: the run could only settle because its thread was terminated.
      await exited;
      expect(Date.now() - cancelledAt).toBeLessThan(2_000); // promptly: abortGraceMs, then termination
      // The pool recovers: the next run gets a fresh thread.
      const next = new GraphDefinition();
      next.add(new ops.Busy({ id: 'after', params: { ms: 5 } }));
      expect((await engine.run(next)).status).toBe('succeeded');
    } finally {
      await engine.close();
    }
  });

  it('a timeout reaches the worker task too, and the retry runs', async () => {
    const engine = createWorkerEngine({ cpuThreads: 2, workers: { abortGraceMs: 20 } });
    try {
      // Start both threads first (two Meets only meet on two threads), so that each
      // attempt goes straight to a ready thread: the 200 ms timeout then aborts a
      // running task, not one still queued for a thread that is slow to start.
      const sync = ops.meetingPoint();
      const warmUp = new GraphDefinition();
      shareMeetingPoint(warmUp, sync, [new ops.Meet({ id: 'w1', params: { parties: 2 } }), new ops.Meet({ id: 'w2', params: { parties: 2 } })]);
      expect((await engine.run(warmUp)).status).toBe('succeeded');
      const g = new GraphDefinition();
      g.add(new ops.SpinForever({ id: 'spinner', timeoutMs: 200, retry: { maxAttempts: 2, delaysMs: [1] } }));
      const result = await engine.run(g);
      expect(result.status).toBe('failed');
      expect(result.errors[0]!.error).toBeInstanceOf(OperationTimeoutError);
      expect(result.errors[0]!.attempt).toBe(2);
    } finally {
      await engine.close();
    }
    expect(engine.workers.threadCount).toBe(0);
  });
});
