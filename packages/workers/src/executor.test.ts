import { isMainThread } from 'node:worker_threads';
import { createLogger, ExecutionEngine, GraphDefinition, GraphValidationError, Operation, Output, type EngineEvent, type LogEntry, type OutputPort, type Outputs } from '@portflow/core';
import { createWorkerEngine, createWorkerExecutor, runOnMainThread } from './index';
import { loadFixtures, maxOverlap, shareMeetingPoint } from './testing/fixtures';

jest.setTimeout(30_000);

const ops = loadFixtures();

function interval(result: { getOutput(op: Operation, port: string): unknown }, op: Operation): { start: number; end: number; thread: number } {
  return { start: result.getOutput(op, 'start') as number, end: result.getOutput(op, 'end') as number, thread: result.getOutput(op, 'thread') as number };
}

describe('parallelism', () => {
  it('runs two CPU-bound operations at the same time on two threads', async () => {
    const engine = createWorkerEngine({ cpuThreads: 2 });
    try {
      // Each waits on its thread until the other has arrived: they can only both
      // succeed by running at the same time, however slowly the threads start.
      const sync = ops.meetingPoint();
      const g = new GraphDefinition();
      const a = new ops.Meet({ id: 'a', params: { parties: 2 } });
      const b = new ops.Meet({ id: 'b', params: { parties: 2 } });
      shareMeetingPoint(g, sync, [a, b]);
      const result = await engine.run(g);
      expect(result.errors).toEqual([]);
      expect(result.status).toBe('succeeded');
      const [x, y] = [interval(result, a), interval(result, b)];
      // Overlap of the recorded intervals, not wall time: each started before the other ended.
      expect(Math.max(x.start, y.start)).toBeLessThan(Math.min(x.end, y.end));
      expect(x.thread).not.toBe(y.thread);
      expect(x.thread).toBeGreaterThan(0); // not the main thread (threadId 0)
    } finally {
      await engine.close();
    }
  });

  it('never runs more CPU-bound operations at once than cpuThreads', async () => {
    const engine = createWorkerEngine({ cpuThreads: 2, workers: { threads: 3 } });
    try {
      // The first two meet before going on (so two do run at once, however slowly
      // threads start); each then keeps its thread busy for 100 ms, time for a
      // third to start if the engine let it.
      const sync = ops.meetingPoint();
      const g = new GraphDefinition();
      const busy = Array.from({ length: 6 }, (_, i) => new ops.Meet({ id: `busy${i}`, params: { parties: 2, holdMs: 100 } }));
      shareMeetingPoint(g, sync, busy);
      const result = await engine.run(g);
      expect(result.errors).toEqual([]);
      expect(result.status).toBe('succeeded');
      expect(maxOverlap(busy.map((op) => interval(result, op)))).toBe(2);
    } finally {
      await engine.close();
    }
  });
});

/**
 * An I/O-bound operation on the main thread that counts how many of its kind
 * run at once. The last of `total` to finish opens the gate of `sync` (see the
 * Meet fixture), which CPU-bound operations may wait on.
 */
class IoProbe extends Operation {
  static running = 0;
  static maxRunning = 0;
  static finished = 0;
  @Output(Number) done!: OutputPort<number>;
  constructor(
    private readonly sync: Int32Array,
    private readonly total: number,
    init?: { id?: string },
  ) {
    super(init);
  }
  async execute(): Promise<Outputs<IoProbe>> {
    IoProbe.maxRunning = Math.max(IoProbe.maxRunning, ++IoProbe.running);
    await new Promise((resolve) => setTimeout(resolve, 40)); // a sleep standing for I/O; no assertion depends on its length
    IoProbe.running--;
    if (++IoProbe.finished === this.total) ops.openGate(this.sync);
    return { done: 1 };
  }
}

describe('separate CPU and I/O limits', () => {
  it('limits CPU-bound and I/O-bound operations separately, and neither blocks the other', async () => {
    const engine = createWorkerEngine({ cpuThreads: 2, ioConcurrency: 1 });
    try {
      // The CPU-bound operations hold both CPU slots until the I/O is done: the first
      // two meet (both slots busy at once) and wait for the gate the last I/O
      // operation opens. Had CPU work kept I/O from going on, they would never end
      // (they give up after 20 s and the run fails); no duration has to win a race.
      const sync = ops.meetingPoint();
      const g = new GraphDefinition();
      const cpu = Array.from({ length: 4 }, (_, i) => new ops.Meet({ id: `cpu${i}`, params: { parties: 2, gated: true } }));
      const io = Array.from({ length: 4 }, (_, i) => new IoProbe(sync, 4, { id: `io${i}` }));
      shareMeetingPoint(g, sync, cpu);
      g.add(...io);
      const events: EngineEvent[] = [];
      engine.events$.subscribe((e) => events.push(e));
      const result = await engine.run(g);
      expect(result.errors).toEqual([]);
      expect(result.status).toBe('succeeded');
      expect(maxOverlap(cpu.map((op) => interval(result, op)))).toBe(2); // cpuThreads, measured in the workers
      expect(IoProbe.maxRunning).toBe(1); // ioConcurrency, counted on the main thread
      const order = events.map((e) => `${e.type}:${'operationId' in e ? e.operationId : ''}`);
      const firstIoDone = order.findIndex((e) => /^OperationCompleted:io/.test(e));
      const firstCpuDone = order.findIndex((e) => /^OperationCompleted:cpu/.test(e));
      // Queued I/O does not keep CPU work from starting: two CPU operations started before any I/O finished...
      expect(order.slice(0, firstIoDone).filter((e) => /^OperationStarted:cpu/.test(e))).toHaveLength(2);
      // ...and CPU work holding every CPU slot does not keep I/O from going on: all four I/O
      // operations (one at a time) finished before the first CPU operation did.
      expect(order.slice(0, firstCpuDone).filter((e) => /^OperationCompleted:io/.test(e))).toHaveLength(4);
    } finally {
      await engine.close();
    }
  });
});

describe('the context inside a worker', () => {
  it('has runId, operationId, attempt and variables; forwards logs and progress to the main thread', async () => {
    const logs: LogEntry[] = [];
    const events: EngineEvent[] = [];
    const engine = createWorkerEngine({ cpuThreads: 1, logger: createLogger((e) => logs.push(e)) });
    try {
      const g = new GraphDefinition();
      const source = new ops.Busy({ id: 'source', params: { ms: 1 } });
      const square = new ops.Square({ id: 'square' });
      g.connect(source, 'thread', square, 'value');
      engine.events$.subscribe((e) => events.push(e));
      const result = await engine.run(g, { runId: 'run-7', variables: { factor: 3, callback: () => 1 }, retainOutputs: true }); // reads source's consumed output
      expect(result.status).toBe('succeeded');
      const thread = result.getOutput(source, 'thread') as number;
      expect(result.getOutput(square, 'squared')).toBe(thread * thread);
      expect(result.getOutput(square, 'seen')).toEqual({
        runId: 'run-7',
        operationId: 'square',
        attempt: 1,
        factor: 3,
        missing: expect.stringContaining("Run variable 'callback' cannot be cloned to a worker thread"),
        isMainThread: false,
        threadId: expect.any(Number),
        id: 'square',
        resource: 'cpu_bound',
      });
      expect(logs).toEqual([
        expect.objectContaining({ level: 'info', message: 'squaring', fields: { runId: 'run-7', operationId: 'square', attempt: 1, value: thread } }),
        expect.objectContaining({ level: 'debug', message: 'child logger', fields: { runId: 'run-7', operationId: 'square', attempt: 1, step: 'inner' } }),
      ]);
      const progress = events.filter((e) => e.type === 'OperationProgress');
      expect(progress).toEqual([expect.objectContaining({ operationId: 'square', attempt: 1, fraction: 0.5, message: 'half way', data: { squared: thread * thread } })]);
      // Progress arrives before the operation completes.
      const completed = events.find((e) => e.type === 'OperationCompleted' && e.operationId === 'square')!;
      expect(progress[0]!.seq).toBeLessThan(completed.seq);
    } finally {
      await engine.close();
    }
  });
});

/** A main-thread source of an ArrayBuffer. */
class MakeBytes extends Operation {
  @Output(ArrayBuffer) data!: OutputPort<ArrayBuffer>;
  constructor(
    private readonly size: number,
    init?: { id?: string },
  ) {
    super(init);
  }
  execute(): Outputs<MakeBytes> {
    const bytes = new Uint8Array(this.size);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 7;
    return { data: bytes.buffer };
  }
}

function expectedSum(size: number): number {
  let s = 0;
  for (let i = 0; i < size; i++) s += i % 7;
  return s;
}

describe('transfer of binary data', () => {
  const SIZE = 1 << 20;

  it('moves an input ArrayBuffer to the worker when the operation opts in: the source is detached', async () => {
    const engine = createWorkerEngine({ cpuThreads: 1 });
    try {
      const g = new GraphDefinition();
      const make = new MakeBytes(SIZE, { id: 'make' });
      const sum = new ops.SumMoved({ id: 'sum' });
      g.connect(make, 'data', sum, 'data');
      const result = await engine.run(g, { retainOutputs: true }); // reads make's consumed output
      expect(result.status).toBe('succeeded');
      expect(result.getOutput(sum, 'length')).toBe(SIZE);
      expect(result.getOutput(sum, 'sum')).toBe(expectedSum(SIZE));
      expect((result.getOutput(make, 'data') as ArrayBuffer).byteLength).toBe(0); // detached: moved, not copied
    } finally {
      await engine.close();
    }
  });

  it('copies by default: the source stays intact', async () => {
    const engine = createWorkerEngine({ cpuThreads: 1 });
    try {
      const g = new GraphDefinition();
      const make = new MakeBytes(SIZE, { id: 'make' });
      const sum = new ops.SumCopied({ id: 'sum' });
      g.connect(make, 'data', sum, 'data');
      const result = await engine.run(g, { retainOutputs: true }); // reads make's consumed output
      expect(result.getOutput(sum, 'sum')).toBe(expectedSum(SIZE));
      expect((result.getOutput(make, 'data') as ArrayBuffer).byteLength).toBe(SIZE);
    } finally {
      await engine.close();
    }
  });

  it('moves output typed arrays back to the main thread when the operation opts in', async () => {
    const engine = createWorkerEngine({ cpuThreads: 1, workers: { threads: 1 } });
    try {
      const g = new GraphDefinition();
      const produce = new ops.Produce({ id: 'produce', params: { count: 100_000 } });
      const inspect = new ops.InspectProduced({ id: 'inspect' });
      g.add(produce, inspect);
      g.dependsOn(inspect, produce); // same single thread, after produce
      const result = await engine.run(g);
      expect(result.errors).toEqual([]);
      const values = result.getOutput(produce, 'values') as Float64Array;
      expect(values).toBeInstanceOf(Float64Array); // of the test's realm: jest runs tests in a vm context
      expect(values.length).toBe(100_000);
      expect(values[99_999]).toBe(99_999 / 2);
      // The worker's own reference to the array is detached: it was moved, not copied.
      expect(result.getOutput(inspect, 'byteLength')).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it('keeps Buffers Buffers across the boundary', async () => {
    class Bytes extends Operation {
      @Output(Buffer) bytes!: OutputPort<Buffer>;
      execute(): Outputs<Bytes> {
        return { bytes: Buffer.from('portflow') };
      }
    }
    const engine = createWorkerEngine({ cpuThreads: 1 });
    try {
      const g = new GraphDefinition();
      const bytes = new Bytes({ id: 'bytes' });
      const reverse = new ops.ReverseBuffer({ id: 'reverse' });
      g.connect(bytes, 'bytes', reverse, 'bytes');
      const result = await engine.run(g);
      expect(result.status).toBe('succeeded');
      expect(result.getOutput(reverse, 'receivedBuffer')).toBe(true);
      const reversed = result.getOutput(reverse, 'reversed');
      expect(Buffer.isBuffer(reversed)).toBe(true);
      expect((reversed as Buffer).toString()).toBe('wolftrop');
    } finally {
      await engine.close();
    }
  });
});

describe('errors thrown in a worker', () => {
  it('arrive with their name, message, code and the worker-side stack', async () => {
    const engine = createWorkerEngine({ cpuThreads: 1 });
    try {
      const g = new GraphDefinition();
      const thrower = new ops.Thrower({ id: 'thrower', params: { kind: 'custom' } });
      g.add(thrower);
      const result = await engine.run(g);
      expect(result.status).toBe('failed');
      const [failure] = result.errors;
      expect(failure).toMatchObject({ operationId: 'thrower', name: 'BadInputError', message: 'bad input 42', code: 'E_BAD_INPUT' });
      expect(failure!.stack).toMatch(/BadInputError: bad input 42/);
      expect(failure!.stack).toMatch(/at explode \(.*dist[\\/]__fixtures__[\\/]operations\.js:\d+:\d+\)/);
      expect((failure!.error as Error & { code?: string }).code).toBe('E_BAD_INPUT');
    } finally {
      await engine.close();
    }
  });

  it('keep built-in error classes', async () => {
    const engine = createWorkerEngine({ cpuThreads: 1 });
    try {
      const g = new GraphDefinition();
      g.add(new ops.Thrower({ id: 'thrower', params: { kind: 'type' } }));
      const result = await engine.run(g);
      expect(result.errors[0]!.error).toBeInstanceOf(TypeError);
      expect(result.errors[0]!.message).toBe('not a number');
    } finally {
      await engine.close();
    }
  });

  it('are retried per policy like any other failure', async () => {
    const engine = createWorkerEngine({ cpuThreads: 1, retry: { maxAttempts: 3, delaysMs: [1] } });
    try {
      const g = new GraphDefinition();
      g.add(new ops.Thrower({ id: 'thrower', params: { kind: 'custom' } }));
      const result = await engine.run(g);
      expect(result.errors[0]!.attempt).toBe(3);
    } finally {
      await engine.close();
    }
  });

  it('outputs that cannot cross back fail the operation with a clear error, not a crash', async () => {
    const engine = createWorkerEngine({ cpuThreads: 1 });
    try {
      const g = new GraphDefinition();
      g.add(new ops.ReturnsFunction({ id: 'returns' }));
      const result = await engine.run(g);
      expect(result.errors[0]!.message).toMatch(/outputs cannot be sent back to the main thread .*structured-cloneable/);
      expect(result.errors[0]!.code).toBeUndefined(); // an operation error, not a worker crash
    } finally {
      await engine.close();
    }
  });
});

describe('main-thread opt-out', () => {
  it('runs @MainThread() classes and runOnMainThread(op) instances on the main thread', async () => {
    const engine = createWorkerEngine({ cpuThreads: 1 });
    try {
      const g = new GraphDefinition();
      const onMain = new ops.OnMain({ id: 'onMain' });
      const undeclared = runOnMainThread(new ops.Undeclared({ id: 'undeclared' }));
      g.add(onMain, undeclared);
      const result = await engine.run(g);
      expect(result.status).toBe('succeeded');
      expect(result.getOutput(onMain, 'mainThread')).toBe(true);
      expect(result.getOutput(undeclared, 'mainThread')).toBe(true);
      expect(engine.workers.threadCount).toBe(0); // no pool was needed
    } finally {
      await engine.close();
    }
  });
});

describe('an executor wired by hand', () => {
  it('works on a plain ExecutionEngine, which rejects an incapable operation before the run', async () => {
    const workers = createWorkerExecutor({ threads: 1 });
    const engine = new ExecutionEngine({ cpuThreads: 1, executors: { cpu_bound: workers } });
    try {
      const good = new GraphDefinition();
      const busy = new ops.Busy({ id: 'busy', params: { ms: 1 } });
      good.add(busy);
      const result = await engine.run(good);
      expect(result.getOutput(busy, 'thread')).toBeGreaterThan(0);

      const bad = new GraphDefinition();
      bad.add(new ops.Busy({ id: 'busy', params: { ms: 1 } }), new ops.Undeclared({ id: 'undeclared' }));
      const error = await engine.run(bad).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GraphValidationError);
      expect((error as GraphValidationError).problems).toEqual([
        expect.objectContaining({ kind: 'executor', operationId: 'undeclared', message: expect.stringContaining('@WorkerOperation(__filename)') }),
      ]);
    } finally {
      await engine.close();
    }
    expect(workers.threadCount).toBe(0);
  });

  it('names an input that cannot be cloned', async () => {
    class MakeFunction extends Operation {
      @Output() fn!: OutputPort<unknown>;
      execute(): Outputs<MakeFunction> {
        return { fn: () => 1 };
      }
    }
    const workers = createWorkerExecutor({ threads: 1 });
    const engine = new ExecutionEngine({ cpuThreads: 1, executors: { cpu_bound: workers } });
    try {
      const g = new GraphDefinition();
      const make = new MakeFunction({ id: 'make' });
      const echo = new ops.Echo({ id: 'echo' });
      g.connect(make, 'fn', echo, 'value');
      const result = await engine.run(g);
      expect(result.status).toBe('failed');
      expect(result.errors[0]).toMatchObject({ operationId: 'echo', message: expect.stringMatching(/^Operation 'echo': input 'value' cannot be sent to a worker thread/) });
    } finally {
      await engine.close();
    }
  });
});

it('isMainThread is true in the test itself (sanity)', () => {
  expect(isMainThread).toBe(true);
});

