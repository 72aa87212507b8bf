import { config, lastValueFrom, toArray } from 'rxjs';
import {
  ExecutionEngine,
  GraphDefinition,
  forOperation,
  ofType,
  type EngineEvent,
  type OperationCompleted,
  type OperationEvent,
  type OperationFailed,
  type RunProgress,
} from '..';
import { Add, Constant, Task } from '../__fixtures__/operations';
import { Fail, Flaky, outline, record } from '../__fixtures__/engine-operations';
import { eventInvariantViolations } from '../testing/event-invariants';

/**
 *   two, three ──> add
 *   flaky (fails once, then succeeds) ──> reporter (reports progress)
 *   boom ──> victim (skipped under 'continue')
 */
function mixedGraph() {
  const graph = new GraphDefinition({ name: 'mixed' });
  const add = new Add({ id: 'add' });
  graph.connect(new Constant(2, { id: 'two' }), 'value', add, 'a');
  graph.connect(new Constant(3, { id: 'three' }), 'value', add, 'b');
  const flaky = new Flaky(1, { id: 'flaky', retry: { maxAttempts: 2, delaysMs: [0] } });
  const reporter = new Task(async (context) => {
    context.reportProgress(0.25, 'a quarter');
    await Promise.resolve();
    context.reportProgress(7, 'clamped');
    context.reportProgress(NaN);
  }, { id: 'reporter' });
  graph.dependsOn(reporter, flaky);
  const boom = new Fail(new Error('nope'), { id: 'boom' });
  graph.dependsOn(new Task(() => undefined, { id: 'victim' }), boom);
  return { graph, add, reporter };
}

describe('run events', () => {
  it('keep their promises on a run with successes, a retry, progress, a failure and a skip', async () => {
    const { graph } = mixedGraph();
    const run = new ExecutionEngine({ failurePolicy: 'continue' }).start(graph);
    const events = record(run);
    await run.result;
    expect(eventInvariantViolations(events, graph.operations.length)).toEqual([]);
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set(['RunStarted', 'OperationStarted', 'OperationProgress', 'OperationRetrying', 'OperationCompleted', 'OperationFailed', 'OperationSkipped', 'RunCompleted']),
    );
  });

  it('are numbered 1, 2, 3... with non-decreasing timestamps, and end with RunCompleted', async () => {
    const run = new ExecutionEngine({ failurePolicy: 'continue' }).start(mixedGraph().graph);
    const events = record(run);
    await run.result;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, k) => k + 1));
    for (let k = 1; k < events.length; k++) expect(events[k]!.timestamp).toBeGreaterThanOrEqual(events[k - 1]!.timestamp);
    expect(events.at(-1)).toMatchObject({ type: 'RunCompleted', status: 'failed', counts: { total: 7, succeeded: 5, failed: 1, skipped: 1, cancelled: 0 } });
    expect(events[0]).toMatchObject({ type: 'RunStarted', graphName: 'mixed', operationCount: 7, runId: run.runId });
  });

  it('describe outputs by type and size, not by value', async () => {
    const graph = new GraphDefinition();
    graph.add(new Constant(5, { id: 'five' }));
    const run = new ExecutionEngine().start(graph);
    const completed = lastValueFrom(run.events$.pipe(ofType('OperationCompleted')));
    expect(await completed).toMatchObject({ operationId: 'five', attempt: 1, outputs: { value: 'number' }, durationMs: expect.any(Number) });
  });

  it('report progress clamped to [0, 1], only while the attempt runs', async () => {
    const { graph, reporter } = mixedGraph();
    let late: (() => void) | undefined;
    const lateReporter = new Task((context) => void (late = () => context.reportProgress(0.5, 'too late')), { id: 'late' });
    graph.add(lateReporter);
    const run = new ExecutionEngine({ failurePolicy: 'continue' }).start(graph);
    const progress = lastValueFrom(run.events$.pipe(ofType('OperationProgress'), toArray()));
    await run.result;
    late!();
    expect(await progress).toMatchObject([
      { operationId: reporter.id, attempt: 1, fraction: 0.25, message: 'a quarter' },
      { operationId: reporter.id, attempt: 1, fraction: 1, message: 'clamped' },
      { operationId: reporter.id, attempt: 1, fraction: 0, message: undefined },
    ]);
  });

  it('are plain data that survive JSON', async () => {
    const run = new ExecutionEngine({ failurePolicy: 'continue' }).start(mixedGraph().graph);
    const events = record(run);
    await run.result;
    const plain = events.map((e) => JSON.parse(JSON.stringify(e)) as unknown);
    expect(plain).toEqual(events.map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined))));
  });
});

describe('ofType and forOperation', () => {
  it('ofType keeps the given types and narrows the event type', async () => {
    const run = new ExecutionEngine({ failurePolicy: 'continue' }).start(mixedGraph().graph);
    const failures: OperationFailed[] = [];
    const finals: (OperationCompleted | OperationFailed)[] = [];
    run.events$.pipe(ofType('OperationFailed')).subscribe((e) => {
      const willRetry: boolean = e.willRetry; // narrowed: OperationFailed has willRetry
      void willRetry;
      failures.push(e);
    });
    run.events$.pipe(ofType('OperationCompleted', 'OperationFailed')).subscribe((e) => {
      // @ts-expect-error not every event in the union has willRetry
      void e.willRetry;
      finals.push(e);
    });
    await run.result;
    expect(failures.map((e) => [e.operationId, e.attempt, e.willRetry])).toEqual([
      ['flaky', 1, true],
      ['boom', 1, false],
    ]);
    expect(new Set(finals.map((e) => e.type))).toEqual(new Set(['OperationCompleted', 'OperationFailed']));
  });

  it('forOperation keeps one operation’s events, given the operation or its id', async () => {
    const { graph, add } = mixedGraph();
    const run = new ExecutionEngine({ failurePolicy: 'continue' }).start(graph);
    const byInstance: OperationEvent[] = [];
    const byId: OperationEvent[] = [];
    run.events$.pipe(forOperation(add)).subscribe((e) => byInstance.push(e));
    run.events$.pipe(forOperation('flaky')).subscribe((e) => byId.push(e));
    await run.result;
    expect(outline(byInstance)).toEqual(['OperationStarted:add', 'OperationCompleted:add']);
    expect(outline(byId)).toEqual([
      'OperationStarted:flaky',
      'OperationFailed:flaky',
      'OperationRetrying:flaky',
      'OperationStarted:flaky',
      'OperationCompleted:flaky',
    ]);
    const operationId: string = byInstance[0]!.operationId; // narrowed to events with an operationId
    expect(operationId).toBe('add');
  });
});

describe('progress$', () => {
  it('gives done/total after each operation settles, and completes with the run', async () => {
    const graph = new GraphDefinition();
    const a = new Task(() => undefined, { id: 'a' });
    const b = new Task(() => undefined, { id: 'b' });
    const c = new Task(() => undefined, { id: 'c' });
    graph.dependsOn(b, a);
    graph.dependsOn(c, b);
    const run = new ExecutionEngine().start(graph);
    const all = lastValueFrom(run.progress$.pipe(toArray()));
    const values: RunProgress[] = await all;
    expect(values.map((p) => `${p.done}/${p.total}`)).toEqual(['0/3', '1/3', '2/3', '3/3']);
    expect(values.at(-1)).toEqual({ runId: run.runId, total: 3, succeeded: 3, failed: 0, skipped: 0, cancelled: 0, done: 3, running: 0 });
  });

  it('counts failures, skips and cancellations as done, and ignores attempts that will retry', async () => {
    const run = new ExecutionEngine({ failurePolicy: 'continue' }).start(mixedGraph().graph);
    const values = await lastValueFrom(run.progress$.pipe(toArray()));
    expect(values.map((p) => p.done)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(values.at(-1)).toMatchObject({ succeeded: 5, failed: 1, skipped: 1 });
  });
});

describe('subscribers', () => {
  it('that throw do not break the run; RxJS reports their errors to config.onUnhandledError', async () => {
    const reported: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (error) => reported.push(error);
    try {
      const engine = new ExecutionEngine({ failurePolicy: 'continue' });
      const { graph, add } = mixedGraph();
      engine.events$.subscribe(() => {
        throw new Error('engine subscriber broke');
      });
      const run = engine.start(graph);
      run.events$.subscribe(() => {
        throw new Error('run subscriber broke');
      });
      run.progress$.subscribe(() => {
        throw new Error('progress subscriber broke');
      });
      const healthy = record(run);
      const result = await run.result;
      expect(result.getOutput(add, 'sum')).toBe(5);
      expect(eventInvariantViolations(healthy, 7)).toEqual([]);
      await engine.close();
      await new Promise((resolve) => setTimeout(resolve, 0)); // RxJS reports on a timer
      const messages = reported.map((e) => (e as Error).message);
      const count = (message: string) => messages.filter((m) => m === message).length;
      expect(count('engine subscriber broke')).toBe(healthy.length);
      expect(count('run subscriber broke')).toBe(healthy.length);
      expect(count('progress subscriber broke')).toBe(8); // RunStarted + one per operation
    } finally {
      // Let reports still on their timers reach our handler before restoring it.
      await new Promise((resolve) => setTimeout(resolve, 0));
      config.onUnhandledError = previous;
    }
  });

  it('of the engine see every run, told apart by runId', async () => {
    const engine = new ExecutionEngine();
    const events: EngineEvent[] = [];
    engine.events$.subscribe((e) => events.push(e));
    const graph = new GraphDefinition().add(new Constant(1, { id: 'one' }));
    const [first, second] = await Promise.all([engine.run(graph, { runId: 'first' }), engine.run(graph, { runId: 'second' })]);
    expect(first.runId).toBe('first');
    for (const runId of ['first', 'second']) {
      const own = events.filter((e) => e.runId === runId);
      expect(outline(own)).toEqual(['RunStarted', 'OperationStarted:one', 'OperationCompleted:one', 'RunCompleted']);
      expect(eventInvariantViolations(own, 1)).toEqual([]);
    }
    expect(second.runId).toBe('second');
    await engine.close();
  });
});

describe('completion', () => {
  it('completes the run streams with the run, and the engine stream on close()', async () => {
    const engine = new ExecutionEngine();
    const completed: string[] = [];
    engine.events$.subscribe({ complete: () => completed.push('engine') });
    const run = engine.start(new GraphDefinition().add(new Constant(1)));
    run.events$.subscribe({ complete: () => completed.push('events') });
    run.progress$.subscribe({ complete: () => completed.push('progress') });
    await run.result;
    expect(completed).toEqual(['events', 'progress']);
    // A late subscriber gets completion at once.
    run.events$.subscribe({ complete: () => completed.push('late') });
    expect(completed).toEqual(['events', 'progress', 'late']);
    await engine.close();
    expect(completed).toEqual(['events', 'progress', 'late', 'engine']);
  });

  it('keeps no subscription alive after the run', async () => {
    const run = new ExecutionEngine().start(new GraphDefinition().add(new Constant(1)));
    const subscription = run.events$.subscribe();
    const progress = run.progress$.subscribe();
    await run.result;
    expect(subscription.closed).toBe(true);
    expect(progress.closed).toBe(true);
  });
});
