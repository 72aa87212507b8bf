import {
  CancellationToken,
  ExecutionEngine,
  GraphDefinition,
  GraphValidationError,
  InvalidOptionsError,
  createLogger,
  type EngineOptions,
  type ExecutionContext,
  type LogEntry,
  type OperationExecutor,
  type RunOptions,
} from '..';
import { Add, Constant, Double, Format, Relay, Shout, Sum, Task } from '../__fixtures__/operations';
import { Gated, Gates, flushMicrotasks, record, outline } from '../__fixtures__/engine-operations';

/** Waits until `condition` holds, letting promise jobs run in between (no timers). */
async function until(condition: () => boolean): Promise<void> {
  for (let k = 0; k < 1000 && !condition(); k++) await Promise.resolve();
  if (!condition()) throw new Error('condition never held');
}

function wideGated(gates: Gates, width: number, graph = new GraphDefinition({ name: 'wide' })): GraphDefinition {
  for (let k = 0; k < width; k++) graph.add(new Gated(gates, { id: `w${k}` }));
  return graph;
}

describe('ExecutionEngine.run', () => {
  it('passes values along channels and returns the outputs', async () => {
    const graph = new GraphDefinition();
    const add = new Add({ id: 'add' });
    const double = new Double({ id: 'double' });
    graph.connect(new Constant(2), 'value', add, 'a');
    graph.connect(new Constant(3), 'value', add, 'b');
    graph.connect(add, 'sum', double, 'value');
    const result = await new ExecutionEngine().run(graph);
    expect(result.status).toBe('succeeded');
    expect(result.getOutput(double, 'doubled')).toBe(10);
  });

  it('runs a diamond: both middle operations after the top, the bottom after both', async () => {
    const gates = new Gates();
    const graph = new GraphDefinition({ name: 'diamond' });
    const [top, left, right, bottom] = ['top', 'left', 'right', 'bottom'].map((id) => new Gated(gates, { id }));
    graph.connect(top!, 'done', left!, 'after');
    graph.connect(top!, 'done', right!, 'after');
    graph.connect(left!, 'done', bottom!, 'after');
    graph.connect(right!, 'done', bottom!, 'after');
    const run = new ExecutionEngine().start(graph);
    await until(() => gates.started.length === 1);
    expect(gates.started).toEqual(['top']);
    gates.open('top');
    await until(() => gates.started.length === 3);
    expect(gates.running).toBe(2); // left and right overlap
    gates.open('right');
    await until(() => gates.finished.length === 2);
    expect(gates.started).toEqual(['top', 'left', 'right']); // bottom waits for left
    gates.open('left');
    await until(() => gates.started.length === 4);
    gates.open('bottom');
    const result = await run.result;
    expect(result.status).toBe('succeeded');
    expect(result.getOutput(bottom!, 'done')).toBe('bottom');
  });

  it('delivers a collecting input in connection order and defaults to unconnected optional inputs', async () => {
    const graph = new GraphDefinition();
    const sum = new Sum({ id: 'sum' });
    const format = new Format({ id: 'format' });
    const relay = new Relay({ id: 'relay' });
    graph.connect(new Constant(1), 'value', sum, 'terms');
    graph.connect(new Constant(20), 'value', sum, 'terms');
    graph.connect(sum, 'total', format, 'value');
    graph.add(relay);
    const result = await new ExecutionEngine().run(graph, { retainOutputs: true });
    expect(result.getOutput(sum, 'total')).toBe(21);
    expect(result.getOutput(format, 'text')).toBe('#21');
    expect(result.getOutput(relay, 'out')).toBeUndefined();
    expect(result.getRecord(relay).status).toBe('succeeded');
  });

  it('runs an empty graph', async () => {
    const result = await new ExecutionEngine().run(new GraphDefinition());
    expect(result.status).toBe('succeeded');
    expect(result.counts.total).toBe(0);
  });

  it('honours ordering-only dependencies', async () => {
    const order: string[] = [];
    const graph = new GraphDefinition();
    const first = new Task(async () => {
      await flushMicrotasks();
      order.push('first');
    }, { id: 'first' });
    const second = new Task(() => void order.push('second'), { id: 'second' });
    graph.dependsOn(second, first);
    await new ExecutionEngine().run(graph);
    expect(order).toEqual(['first', 'second']);
  });

  it('rejects an invalid graph with every problem before any operation starts', async () => {
    const started: string[] = [];
    const graph = new GraphDefinition({ name: 'broken' });
    graph.add(new Task(() => void started.push('x'), { id: 'x' }));
    graph.add(new Add({ id: 'add' })); // two unconnected inputs
    const error = await new ExecutionEngine().run(graph).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphValidationError);
    expect((error as GraphValidationError).problems).toHaveLength(2);
    expect(started).toEqual([]);
  });

  it('throws synchronously from start() for an invalid graph', () => {
    const graph = new GraphDefinition();
    graph.add(new Shout({ id: 'shout' }));
    expect(() => new ExecutionEngine().start(graph)).toThrow(GraphValidationError);
  });

  it('runs again after the graph changes (the plan follows the graph version)', async () => {
    const graph = new GraphDefinition();
    const engine = new ExecutionEngine();
    graph.add(new Constant(1, { id: 'one' }));
    expect((await engine.run(graph)).counts.total).toBe(1);
    graph.add(new Constant(2, { id: 'two' }));
    const result = await engine.run(graph);
    expect(result.counts.total).toBe(2);
    expect(result.getOutput('two', 'value')).toBe(2);
  });
});

describe('ExecutionEngine scheduling', () => {
  it.each([1, 2, 3, 8])('runs at most maxParallel = %i operations at once, and reaches it', async (limit) => {
    const gates = new Gates();
    const graph = wideGated(gates, 12);
    const run = new ExecutionEngine({ maxParallel: limit }).start(graph);
    for (let done = 0; done < 12; done++) {
      // Whenever one finishes, the next ready one takes its slot at once.
      await until(() => gates.running === Math.min(limit, 12 - done));
      gates.open(gates.started.find((id) => !gates.finished.includes(id))!);
      await until(() => gates.finished.length === done + 1);
    }
    await run.result;
    expect(gates.maxRunning).toBe(limit);
  });

  it('starts every independent operation at once when unlimited (a wide graph)', async () => {
    const gates = new Gates();
    const run = new ExecutionEngine().start(wideGated(gates, 50));
    await until(() => gates.running === 50);
    gates.openRunning();
    expect((await run.result).counts.succeeded).toBe(50);
    expect(gates.maxRunning).toBe(50);
  });

  it('starts ready operations in topological order, so runs are reproducible', async () => {
    const graph = new GraphDefinition();
    const ids = ['e', 'd', 'c', 'b', 'a'];
    for (const id of ids) graph.add(new Task(() => undefined, { id }));
    const engine = new ExecutionEngine({ maxParallel: 2 });
    const first = outline(await collectRun(engine, graph));
    const second = outline(await collectRun(engine, graph));
    expect(first.filter((e) => e.startsWith('OperationStarted')).map((e) => e.split(':')[1])).toEqual(ids);
    expect(second).toEqual(first);
  });

  it('lets an awaiting operation overlap with others (I/O does not block)', async () => {
    const gates = new Gates();
    const graph = new GraphDefinition();
    const slow = new Gated(gates, { id: 'slow' });
    const fastDone: string[] = [];
    graph.add(slow);
    for (let k = 0; k < 5; k++) graph.add(new Task(async () => void fastDone.push(`fast${k}`), { id: `fast${k}` }));
    const run = new ExecutionEngine({ maxParallel: 2 }).start(graph);
    await until(() => fastDone.length === 5);
    expect(gates.running).toBe(1); // slow still holds one slot; the other slot served all fast ones
    gates.open('slow');
    expect((await run.result).status).toBe('succeeded');
  });

  it('limits cpu_bound operations to cpuThreads, separately from I/O-bound ones', async () => {
    const gates = new Gates();
    const graph = new GraphDefinition();
    for (let k = 0; k < 4; k++) graph.add(new Gated(gates, { id: `cpu${k}`, resource: 'cpu_bound' }));
    for (let k = 0; k < 3; k++) graph.add(new Gated(gates, { id: `io${k}`, resource: 'io_bound' }));
    const run = new ExecutionEngine({ cpuThreads: 2, ioConcurrency: 1 }).start(graph);
    await until(() => gates.running === 3);
    expect([...gates.started].sort()).toEqual(['cpu0', 'cpu1', 'io0']);
    gates.open('io0');
    await until(() => gates.started.includes('io1'));
    expect(gates.running).toBe(3);
    for (let round = 0; round < 10 && gates.finished.length < 7; round++) {
      gates.openRunning();
      await flushMicrotasks(20);
    }
    expect((await run.result).counts.succeeded).toBe(7);
    expect(gates.maxRunning).toBe(3);
  });

  it('caps one run with the run option maxParallel, within the engine cap', async () => {
    const gates = new Gates();
    const run = new ExecutionEngine({ maxParallel: 5 }).start(wideGated(gates, 6), { maxParallel: 2 });
    await until(() => gates.running === 2);
    await flushMicrotasks(20);
    expect(gates.running).toBe(2);
    for (let round = 0; round < 10 && gates.finished.length < 6; round++) {
      gates.openRunning();
      await flushMicrotasks(20);
    }
    await run.result;
    expect(gates.maxRunning).toBe(2);
  });
});

describe('ExecutionContext', () => {
  it('gives each attempt its run id, operation id, attempt, variables, signal and logger', async () => {
    const seen: ExecutionContext[] = [];
    const entries: LogEntry[] = [];
    const graph = new GraphDefinition();
    graph.add(
      new Task((context) => {
        seen.push(context);
        context.logger.info('hello', { extra: 1 });
      }, { id: 'task' }),
    );
    const engine = new ExecutionEngine({ logger: createLogger((e) => entries.push(e), 'info') });
    const result = await engine.run(graph, { runId: 'run-42', variables: { date: '2026-11-23' } });
    const context = seen[0]!;
    expect(result.runId).toBe('run-42');
    expect(context).toMatchObject({ runId: 'run-42', operationId: 'task', attempt: 1, variables: { date: '2026-11-23' } });
    expect(context.signal.aborted).toBe(false);
    expect(Object.isFrozen(context.variables)).toBe(true);
    expect(entries).toEqual([
      { level: 'info', message: 'hello', time: expect.any(Number), fields: { runId: 'run-42', operationId: 'task', attempt: 1, extra: 1 } },
    ]);
  });

  it('is silent by default: the default logger discards entries', async () => {
    const write = jest.spyOn(process.stdout, 'write');
    const error = jest.spyOn(process.stderr, 'write');
    const graph = new GraphDefinition();
    graph.add(new Task((context) => context.logger.error('nobody hears this'), { id: 'task' }));
    await new ExecutionEngine().run(graph);
    expect(write).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
    write.mockRestore();
    error.mockRestore();
  });

  it('gives a random UUID as run id by default', async () => {
    const result = await new ExecutionEngine().run(new GraphDefinition());
    expect(result.runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});

describe('ExecutionEngine executors', () => {
  it('hands operations of a resource class to its executor, and closes it with the engine', async () => {
    const calls: string[] = [];
    const executor: OperationExecutor = {
      execute: async (op, inputs, context) => {
        calls.push(`${op.id}@${context.attempt}`);
        return op.execute(inputs, context);
      },
      close: jest.fn(),
    };
    const graph = new GraphDefinition();
    const add = new Add({ id: 'add', resource: 'cpu_bound' });
    graph.connect(new Constant(2, { id: 'two' }), 'value', add, 'a');
    graph.connect(new Constant(3, { id: 'three' }), 'value', add, 'b');
    const engine = new ExecutionEngine({ executors: { cpu_bound: executor } });
    const result = await engine.run(graph);
    expect(result.getOutput(add, 'sum')).toBe(5);
    expect(calls).toEqual(['add@1']);
    await engine.close();
    expect(executor.close).toHaveBeenCalledTimes(1);
  });
});

describe('ExecutionEngine lifecycle', () => {
  it('counts active runs and closes: cancels them, then refuses new runs', async () => {
    const gates = new Gates();
    const engine = new ExecutionEngine();
    const run = engine.start(wideGated(gates, 2));
    expect(engine.activeRuns).toBe(1);
    await until(() => gates.running === 2);
    await engine.close();
    expect((await run.result).status).toBe('cancelled');
    expect(engine.activeRuns).toBe(0);
    expect(() => engine.start(new GraphDefinition())).toThrow(InvalidOptionsError);
    await expect(engine.run(new GraphDefinition())).rejects.toThrow(/engine is closed/);
    await engine.close(); // twice is fine
  });

  it('leaves no timers or immediates behind once runs settle', async () => {
    // Track every timer and immediate created from here on, until it fires or is cleared.
    const live = new Set<unknown>();
    const { setTimeout: realSetTimeout, clearTimeout: realClearTimeout, setImmediate: realSetImmediate, clearImmediate: realClearImmediate } = globalThis;
    const spies = [
      jest.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
        const handle = realSetTimeout(() => {
          live.delete(handle);
          fn();
        }, ms);
        live.add(handle);
        return handle;
      }) as typeof setTimeout),
      jest.spyOn(globalThis, 'clearTimeout').mockImplementation((handle) => {
        live.delete(handle);
        realClearTimeout(handle);
      }),
      jest.spyOn(globalThis, 'setImmediate').mockImplementation(((fn: () => void) => {
        const handle = realSetImmediate(() => {
          live.delete(handle);
          fn();
        });
        live.add(handle);
        return handle;
      }) as typeof setImmediate),
      jest.spyOn(globalThis, 'clearImmediate').mockImplementation((handle) => {
        live.delete(handle);
        realClearImmediate(handle);
      }),
    ];
    const engine = new ExecutionEngine({ timeoutMs: 60_000, retry: { maxAttempts: 3, delaysMs: [1] } });
    // Timeouts armed and cleared, retries waited out, a backoff cancelled, a long run that yields.
    let calls = 0;
    const flaky = new GraphDefinition().add(new Task(() => void (++calls < 3 && (() => { throw new Error('again'); })()), { id: 'flaky' }));
    expect((await engine.run(flaky)).status).toBe('succeeded');
    const backoff = engine.start(new GraphDefinition().add(new Task(() => { throw new Error('x'); }, { id: 'failing', retry: { maxAttempts: 2, delaysMs: [60_000] } })));
    const backoffEvents = record(backoff);
    await until(() => backoffEvents.some((e) => e.type === 'OperationRetrying'));
    backoff.cancel();
    expect((await backoff.result).status).toBe('cancelled');
    const wide = new GraphDefinition();
    for (let k = 0; k < 5000; k++) wide.add(new Task(() => undefined, { id: `t${k}` }));
    expect((await engine.run(wide)).status).toBe('succeeded');
    await engine.close();
    const [timeouts, , immediates] = spies.map((spy) => spy.mock.calls.length);
    spies.forEach((spy) => spy.mockRestore());
    expect(timeouts).toBeGreaterThan(4); // timeouts and backoffs were armed
    expect(immediates).toBeGreaterThan(0); // and the big run yielded
    expect(live.size).toBe(0);
  }, 30_000); // CPU work only (5,000 operations with spied timers): an upper bound for a loaded machine, not a wait

  it('closes at scope end with await using', async () => {
    let completed = false;
    {
      await using engine = new ExecutionEngine();
      engine.events$.subscribe({ complete: () => (completed = true) });
      await engine.run(new GraphDefinition());
    }
    expect(completed).toBe(true);
  });
});

describe('ExecutionEngine option validation', () => {
  it.each<[string, EngineOptions, RegExp]>([
    ['maxParallel 0', { maxParallel: 0 }, /maxParallel must be a whole number >= 1 or Infinity \(got 0\)/],
    ['fractional cpuThreads', { cpuThreads: 1.5 }, /cpuThreads must be a whole number/],
    ['negative ioConcurrency', { ioConcurrency: -1 }, /ioConcurrency must be a whole number/],
    ['zero timeout', { timeoutMs: 0 }, /timeoutMs must be a number > 0/],
    ['NaN timeout', { timeoutMs: NaN }, /timeoutMs must be a number > 0/],
    ['unknown failure policy', { failurePolicy: 'retryForever' as never }, /failurePolicy must be 'failFast' or 'continue'/],
    ['retry without attempts', { retry: { maxAttempts: 0 } }, /retry\.maxAttempts must be a whole number >= 1/],
    ['negative delays', { retry: { maxAttempts: 2, delaysMs: [-1] } }, /retry\.delaysMs must be a non-empty list/],
    ['empty delays', { retry: { maxAttempts: 2, delaysMs: [] } }, /retry\.delaysMs must be a non-empty list/],
    ['shrinking multiplier', { retry: { maxAttempts: 2, multiplier: 0.5 } }, /retry\.multiplier must be a number >= 1/],
    ['jitter above 1', { retry: { maxAttempts: 2, jitter: 2 } }, /retry\.jitter must be a number from 0 to 1/],
    ['retryOn not a function', { retry: { maxAttempts: 2, retryOn: true as never } }, /retry\.retryOn must be a function/],
    ['retry not an object', { retry: null as never }, /retry\.the retry policy must be an object/],
    ['executor key that is no name', { executors: { 'g p u': { execute: () => undefined } } as never }, /executors\.g p u: an executor's key is a resource hint/],
    ['executor without execute', { executors: { cpu_bound: {} } as never }, /executors\.cpu_bound must have an execute/],
    ['logger without child', { logger: { info: () => undefined } as never }, /logger must have the methods .* \(missing debug, warn, error, child\)/],
    ['random not a function', { random: 0.5 as never }, /random must be a function/],
    ['options not an object', null as never, /options must be an object \(got null\)/],
  ])('rejects %s with an InvalidOptionsError', (_name, options, message) => {
    let error: unknown;
    try {
      new ExecutionEngine(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).code).toBe('PORTFLOW_INVALID_OPTIONS');
    expect((error as Error).message).toMatch(message);
  });

  it('lists every problem at once', () => {
    expect(() => new ExecutionEngine({ maxParallel: 0, timeoutMs: -1 })).toThrow(
      expect.objectContaining({ problems: [expect.stringMatching(/^maxParallel/), expect.stringMatching(/^timeoutMs/)] }),
    );
  });

  it('accepts Infinity as a limit', () => {
    expect(() => new ExecutionEngine({ maxParallel: Infinity, cpuThreads: Infinity, ioConcurrency: Infinity })).not.toThrow();
  });

  it.each<[string, RunOptions, RegExp]>([
    ['maxParallel 0', { maxParallel: 0 }, /maxParallel must be a whole number/],
    ['unknown failure policy', { failurePolicy: 'ignore' as never }, /failurePolicy must be/],
    ['empty run id', { runId: '' }, /runId must be a non-empty string/],
    ['variables not an object', { variables: 'x' as never }, /variables must be an object \(got string\)/],
    ['signal not an AbortSignal', { signal: {} as never }, /signal must be an AbortSignal \(got Object\)/],
    ['token not a token', { cancellationToken: 'stop' as never }, /cancellationToken must be a CancellationToken/],
    ['options not an object', 7 as never, /options must be an object \(got number\)/],
  ])('rejects run option %s before anything runs', async (_name, options, message) => {
    const started: string[] = [];
    const graph = new GraphDefinition();
    graph.add(new Task(() => void started.push('x'), { id: 'x' }));
    const engine = new ExecutionEngine();
    expect(() => engine.start(graph, options)).toThrow(InvalidOptionsError);
    await expect(engine.run(graph, options)).rejects.toThrow(message);
    expect(started).toEqual([]);
    expect(engine.activeRuns).toBe(0);
    await engine.close(); // nothing left half-started
  });

  it('rejects a graph that is not a GraphDefinition', async () => {
    await expect(new ExecutionEngine().run({} as never)).rejects.toThrow(/the graph must be a GraphDefinition \(got Object\)/);
  });

  it('accepts a CancellationToken and an AbortSignal together', async () => {
    const result = await new ExecutionEngine().run(new GraphDefinition(), { signal: new AbortController().signal, cancellationToken: new CancellationToken() });
    expect(result.status).toBe('succeeded');
  });
});

async function collectRun(engine: ExecutionEngine, graph: GraphDefinition) {
  const run = engine.start(graph);
  const events = record(run);
  await run.result;
  return events;
}
