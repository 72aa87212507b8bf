import { once } from 'node:events';
import { nextEvent } from '@portflow/core/testing';
import { createLogger, GraphDefinition, type EngineEvent, type ExecutionContext, type LogEntry, type OperationProgress } from '@portflow/core';
import { createWorkerEngine, createWorkerExecutor, type WorkerPoolExecutor } from './index';
import { loadFixtures } from './testing/fixtures';

jest.setTimeout(30_000);

const ops = loadFixtures();

/** An attempt run on an executor by hand: its context, its abort controller, and what it reported. */
interface HandAttempt {
  readonly controller: AbortController;
  readonly logs: LogEntry[];
  /** Resolves on the attempt's first progress report (WaitForAbort reports once it listens to its signal). */
  readonly listening: Promise<void>;
  /** The attempt's outcome: its outputs, or the error it was rejected with. */
  readonly outcome: Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }>;
  reported: number;
}

function runByHand(workers: WorkerPoolExecutor, operation: InstanceType<typeof ops.WaitForAbort>): HandAttempt {
  const controller = new AbortController();
  const logs: LogEntry[] = [];
  let markListening!: () => void;
  const listening = new Promise<void>((resolve) => (markListening = resolve));
  const attempt: Partial<HandAttempt> & { reported: number } = { controller, logs, listening, reported: 0 };
  const context: ExecutionContext = {
    runId: 'r',
    operationId: operation.id,
    attempt: 1,
    idempotencyKey: `r/${operation.id}`,
    signal: controller.signal,
    logger: createLogger((e) => logs.push(e)),
    variables: {},
    reportProgress: () => {
      attempt.reported++;
      markListening();
    },
  };
  const outcome = Promise.resolve(workers.execute(operation, {}, context)).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return Object.assign(attempt, { outcome }) as HandAttempt;
}

describe("one link per worker thread: each attempt's progress, logs and abort reach the right attempt", () => {
  it('hands each of many attempts its own progress and logs, all before its completion', async () => {
    const logs: LogEntry[] = [];
    const events: EngineEvent[] = [];
    const engine = createWorkerEngine({ cpuThreads: 2, logger: createLogger((e) => logs.push(e)) });
    engine.events$.subscribe((e) => events.push(e));
    try {
      const g = new GraphDefinition();
      const chatty = Array.from({ length: 40 }, (_, i) => new ops.Chatty({ id: `c${i}`, params: { reports: 3 } }));
      g.add(...chatty);
      const result = await engine.run(g);
      expect(result.status).toBe('succeeded');
      for (const op of chatty) {
        const mine = events.filter((e): e is OperationProgress => e.type === 'OperationProgress' && e.operationId === op.id);
        expect(mine.map((e) => e.data)).toEqual([0, 1, 2].map((i) => ({ from: op.id, i })));
        expect(mine.map((e) => e.fraction)).toEqual([1 / 3, 2 / 3, 1]);
        const completed = events.find((e) => e.type === 'OperationCompleted' && e.operationId === op.id)!;
        expect(mine.every((e) => e.seq < completed.seq)).toBe(true);
        expect(logs.filter((e) => e.fields?.operationId === op.id)).toEqual([
          expect.objectContaining({ level: 'info', message: 'chatted', fields: expect.objectContaining({ from: op.id, attempt: 1, reports: 3 }) }),
        ]);
      }
    } finally {
      await engine.close();
    }
  });

  it('sends log fields and progress data that cannot be cloned as text', async () => {
    const logs: LogEntry[] = [];
    const engine = createWorkerEngine({ cpuThreads: 1, logger: createLogger((e) => logs.push(e)) });
    try {
      const g = new GraphDefinition();
      g.add(new ops.OddFields({ id: 'odd' }));
      const handle = engine.start(g);
      const progress = nextEvent(handle, 'OperationProgress', 'odd');
      expect((await handle.result).status).toBe('succeeded');
      expect((await progress).data).toEqual({ helper: '[function helper]', n: 2 });
      expect(logs).toEqual([expect.objectContaining({ message: 'odd', fields: expect.objectContaining({ helper: '[function helper]', n: 1, operationId: 'odd' }) })]);
    } finally {
      await engine.close();
    }
  });

  it('aborts only the attempt whose signal aborted, with its own reason', async () => {
    const workers = createWorkerExecutor({ threads: 2 });
    try {
      const a = runByHand(workers, new ops.WaitForAbort({ id: 'a' }));
      const b = runByHand(workers, new ops.WaitForAbort({ id: 'b' }));
      await Promise.all([a.listening, b.listening]); // both running, on two threads
      const stopB = new Error('stop b');
      b.controller.abort(stopB);
      expect(await b.outcome).toEqual({ ok: false, error: stopB });
      expect(b.logs).toEqual([expect.objectContaining({ message: 'saw abort', fields: expect.objectContaining({ reason: 'stop b' }) })]);
      // a never saw b's abort: it is still waiting, and stops on its own abort, cooperatively.
      expect(a.logs).toEqual([]);
      const stopA = new Error('stop a');
      a.controller.abort(stopA);
      expect(await a.outcome).toEqual({ ok: false, error: stopA });
      expect(a.logs).toEqual([expect.objectContaining({ message: 'saw abort', fields: expect.objectContaining({ reason: 'stop a' }) })]);
    } finally {
      await workers.close();
    }
  });

  it('the next attempt on a thread does not inherit the abort of the one before', async () => {
    const workers = createWorkerExecutor({ threads: 1 });
    try {
      const first = runByHand(workers, new ops.WaitForAbort({ id: 'first' }));
      await first.listening;
      const [thread] = workers.pools.cpu!.threads;
      first.controller.abort(new Error('stop first'));
      expect(await first.outcome).toMatchObject({ ok: false, error: { message: 'stop first' } });
      const second = runByHand(workers, new ops.WaitForAbort({ id: 'second' }));
      await second.listening; // it runs, on the same thread, not aborted
      expect(workers.pools.cpu!.threads).toEqual([thread]);
      expect(second.logs).toEqual([]);
      second.controller.abort(new Error('stop second'));
      expect(await second.outcome).toMatchObject({ ok: false, error: { message: 'stop second' } });
      expect(second.logs).toEqual([expect.objectContaining({ fields: expect.objectContaining({ reason: 'stop second' }) })]);
    } finally {
      await workers.close();
    }
  });

  it('ends an attempt aborted while it waits for a thread, which then never runs, and leaves the running one alone', async () => {
    const workers = createWorkerExecutor({ threads: 1, abortGraceMs: 10 });
    try {
      const running = runByHand(workers, new ops.WaitForAbort({ id: 'running' }));
      await running.listening;
      const [thread] = workers.pools.cpu!.threads;
      const queued = runByHand(workers, new ops.WaitForAbort({ id: 'queued' })); // the only thread is busy
      const stop = new Error('never mind');
      queued.controller.abort(stop);
      expect(await queued.outcome).toEqual({ ok: false, error: stop });
      // The running attempt's thread was not terminated: it still sees its own abort.
      expect(workers.pools.cpu!.threads).toEqual([thread]);
      running.controller.abort(new Error('done'));
      expect(await running.outcome).toMatchObject({ ok: false, error: { message: 'done' } });
      expect(running.logs).toEqual([expect.objectContaining({ message: 'saw abort', fields: expect.objectContaining({ reason: 'done' }) })]);
      // The thread then gets the aborted task and skips it: an attempt queued after it runs, and the aborted one never did.
      const after = runByHand(workers, new ops.WaitForAbort({ id: 'after' }));
      await after.listening;
      after.controller.abort(new Error('after'));
      await after.outcome;
      expect(queued.reported).toBe(0);
      expect(queued.logs).toEqual([]);
      expect(workers.pools.cpu!.threads).toEqual([thread]);
    } finally {
      await workers.close();
    }
  });

  it('routes the progress and logs of a thread that replaced a crashed one', async () => {
    const logs: LogEntry[] = [];
    const engine = createWorkerEngine({ cpuThreads: 1, retry: { maxAttempts: 2, delaysMs: [1] }, logger: createLogger((e) => logs.push(e)) });
    try {
      const crash = new GraphDefinition();
      const crasher = new ops.Crasher({ id: 'crasher', params: { how: 'exit' } });
      crash.add(crasher);
      const before = new GraphDefinition();
      const chattyBefore = new ops.Chatty({ id: 'before', params: { reports: 1 } });
      before.add(chattyBefore);
      const first = await engine.run(before);
      const [firstThread] = engine.workers.pools.cpu!.threads;
      const exited = once(firstThread!, 'exit');
      expect((await engine.run(crash)).getOutput(crasher, 'attempt')).toBe(2); // attempt 1 killed its thread
      await exited;

      const events: EngineEvent[] = [];
      const after = new GraphDefinition();
      const chatty = new ops.Chatty({ id: 'after', params: { reports: 2 } });
      after.add(chatty);
      const handle = engine.start(after);
      handle.events$.subscribe((e) => events.push(e));
      const result = await handle.result;
      expect(result.status).toBe('succeeded');
      expect(result.getOutput(chatty, 'thread')).not.toBe(first.getOutput(chattyBefore, 'thread'));
      expect(events.filter((e) => e.type === 'OperationProgress').map((e) => (e as OperationProgress).data)).toEqual([
        { from: 'after', i: 0 },
        { from: 'after', i: 1 },
      ]);
      expect(logs.filter((e) => e.message === 'chatted').map((e) => e.fields?.from)).toEqual(['before', 'after']);
    } finally {
      await engine.close();
    }
  });
});
