import { ExecutionEngine, GraphDefinition, RunCancelledError, ofType } from '..';
import { Fail, Gated, Gates, Stubborn, flushMicrotasks, outline, record } from '../__fixtures__/engine-operations';
import { eventInvariantViolations } from '../testing/event-invariants';
import { Task } from '../__fixtures__/operations';

async function until(condition: () => boolean): Promise<void> {
  for (let k = 0; k < 1000 && !condition(); k++) await Promise.resolve();
  if (!condition()) throw new Error('condition never held');
}

describe("failurePolicy 'failFast' (the default)", () => {
  /**
   *   slow ──> afterSlow
   *   boom (fails when the test opens its gate)
   *   queued1, queued2 (roots; with maxParallel 3, queued2 waits for a slot)
   */
  function build(gates: Gates) {
    const graph = new GraphDefinition({ name: 'failFast' });
    const slow = new Gated(gates, { id: 'slow' });
    const afterSlow = new Gated(gates, { id: 'afterSlow' });
    let calls = 0;
    const boom = new Task(async () => {
      calls++;
      await gates.gate('boom').promise;
      throw new Error('disk full');
    }, { id: 'boom' });
    graph.connect(slow, 'done', afterSlow, 'after');
    graph.add(boom, new Gated(gates, { id: 'queued1' }), new Gated(gates, { id: 'queued2' }));
    return { graph, calls: () => calls };
  }

  it('aborts running operations, starts nothing new and fails the run', async () => {
    const gates = new Gates();
    const { graph, calls } = build(gates);
    const run = new ExecutionEngine({ maxParallel: 3 }).start(graph);
    const events = record(run);
    await until(() => gates.running === 2 && calls() === 1);
    expect(gates.started).toEqual(['slow', 'queued1']);
    gates.open('boom');
    const result = await run.result;

    expect(result.status).toBe('failed');
    expect(result.reason).toBe("operation 'boom' failed");
    expect(calls()).toBe(1);
    expect(Object.fromEntries(result.operations.map((r) => [r.operationId, r.status]))).toEqual({
      slow: 'cancelled',
      boom: 'failed',
      queued1: 'cancelled',
      queued2: 'skipped',
      afterSlow: 'skipped',
    });
    expect(result.getRecord('slow').reason).toBe("operation 'boom' failed");
    expect(result.errors.map((e) => e.message)).toEqual(['disk full']);
    // Nothing started after the failure, although slots were free.
    const failedAt = events.findIndex((e) => e.type === 'OperationFailed');
    expect(events.slice(failedAt).filter((e) => e.type === 'OperationStarted')).toEqual([]);
    expect(gates.started).toEqual(['slow', 'queued1']);
    expect(outline(events.slice(failedAt))).toEqual([
      'OperationFailed:boom',
      'OperationSkipped:queued2',
      'OperationSkipped:afterSlow',
      'OperationCancelled:slow',
      'OperationCancelled:queued1',
      'RunCompleted',
    ]);
    expect(events.find((e) => e.type === 'OperationCancelled')).toMatchObject({ interrupted: true, attempt: 1 });
    expect(eventInvariantViolations(events, 5)).toEqual([]);
  });

  it('gives running operations a RunCancelledError as the abort reason', async () => {
    let reason: unknown;
    const graph = new GraphDefinition();
    const gates = new Gates();
    graph.add(
      new Task(async (context) => {
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
        reason = context.signal.reason;
        throw reason;
      }, { id: 'listener' }),
    );
    const gate = new Gated(gates, { id: 'gate' });
    graph.connect(gate, 'done', new Fail(new Error('x'), { id: 'boom' }), 'after');
    const run = new ExecutionEngine().start(graph);
    await until(() => gates.running === 1);
    gates.open('gate');
    await run.result;
    expect(reason).toBeInstanceOf(RunCancelledError);
    expect(reason).toMatchObject({ code: 'PORTFLOW_CANCELLED', reason: "operation 'boom' failed" });
  });

  it('keeps the output of a running operation that finishes anyway, and still skips what follows it', async () => {
    jest.useFakeTimers();
    try {
      const graph = new GraphDefinition();
      const stubborn = new Stubborn(100, { id: 'stubborn' });
      const next = new Task(() => undefined, { id: 'next' });
      graph.dependsOn(next, stubborn);
      graph.add(new Fail(new Error('x'), { id: 'boom' }));
      const run = new ExecutionEngine().start(graph);
      await jest.runAllTimersAsync();
      const result = await run.result;
      expect(result.status).toBe('failed');
      expect(result.getRecord(stubborn).status).toBe('succeeded');
      expect(result.getOutput(stubborn, 'slept')).toBe(100);
      expect(result.getRecord(next).status).toBe('skipped');
    } finally {
      jest.useRealTimers();
    }
  });

  it('reports the failed operation with its original error and stack', async () => {
    const error = new TypeError('bad row');
    const graph = new GraphDefinition();
    graph.add(new Fail(error, { id: 'boom' }));
    const result = await new ExecutionEngine().run(graph);
    expect(result.errors).toEqual([
      { operationId: 'boom', attempt: 1, name: 'TypeError', message: 'bad row', stack: error.stack, error },
    ]);
  });
});

describe("failurePolicy 'continue'", () => {
  /**
   *   boom ──> child ──> grandchild ──┐
   *   left ──> right ─────────────────┴──> join
   *   lonely
   */
  function build() {
    const graph = new GraphDefinition({ name: 'continue' });
    const ran: string[] = [];
    const task = (id: string) => new Task(async () => void ran.push(id), { id });
    const boom = new Fail(new Error('upstream broke'), { id: 'boom' });
    const child = task('child');
    const grandchild = task('grandchild');
    const left = task('left');
    const right = task('right');
    const join = task('join');
    graph.dependsOn(child, boom);
    graph.dependsOn(grandchild, child);
    graph.dependsOn(right, left);
    graph.dependsOn(join, grandchild, right);
    graph.add(task('lonely'));
    return { graph, ran };
  }

  it('runs everything not downstream of the failure and skips the rest with the upstream cause', async () => {
    const { graph, ran } = build();
    const run = new ExecutionEngine({ failurePolicy: 'continue' }).start(graph);
    const events = record(run);
    const result = await run.result;
    expect(result.status).toBe('failed');
    expect(result.reason).toBeUndefined();
    expect([...ran].sort()).toEqual(['left', 'lonely', 'right']);
    for (const id of ['child', 'grandchild', 'join']) {
      expect(result.getRecord(id)).toMatchObject({
        status: 'skipped',
        attempts: 0,
        reason: "upstream operation 'boom' failed",
        upstreamOperationId: 'boom',
        startedAt: null,
        finishedAt: null,
        durationMs: null,
      });
    }
    expect(result.counts).toEqual({ total: 7, succeeded: 3, failed: 1, skipped: 3, cancelled: 0 });
    expect(events.filter((e) => e.type === 'OperationSkipped')).toMatchObject([
      { operationId: 'child', upstreamOperationId: 'boom' },
      { operationId: 'grandchild', upstreamOperationId: 'boom' },
      { operationId: 'join', upstreamOperationId: 'boom' },
    ]);
    expect(eventInvariantViolations(events, 7)).toEqual([]);
  });

  it('can be chosen per run, overriding the engine', async () => {
    const { graph, ran } = build();
    const result = await new ExecutionEngine({ failurePolicy: 'failFast' }).run(graph, { failurePolicy: 'continue' });
    expect(result.counts.succeeded).toBe(3);
    expect(ran).toHaveLength(3);
  });

  it('collects every failure, in topological order', async () => {
    const graph = new GraphDefinition();
    graph.add(new Fail(new Error('first'), { id: 'a' }), new Fail(new Error('second'), { id: 'b' }));
    const result = await new ExecutionEngine({ failurePolicy: 'continue' }).run(graph);
    expect(result.errors.map((e) => [e.operationId, e.message])).toEqual([
      ['a', 'first'],
      ['b', 'second'],
    ]);
    expect(result.getErrorMessage()).toBe('a (attempt 1): Error: first\nb (attempt 1): Error: second');
  });

  it('does not abort running siblings of the failed operation', async () => {
    const gates = new Gates();
    const graph = new GraphDefinition();
    const sibling = new Gated(gates, { id: 'sibling' });
    graph.add(sibling, new Fail(new Error('x'), { id: 'boom' }));
    const run = new ExecutionEngine({ failurePolicy: 'continue' }).start(graph);
    const failures: string[] = [];
    run.events$.pipe(ofType('OperationFailed')).subscribe((e) => failures.push(e.operationId));
    await until(() => failures.length === 1);
    await flushMicrotasks();
    expect(gates.running).toBe(1);
    gates.open('sibling');
    const result = await run.result;
    expect(result.getRecord(sibling).status).toBe('succeeded');
  });
});

describe('an operation that fails on its own while the run stops', () => {
  it('keeps its real error and is reported failed, not cancelled', async () => {
    const graph = new GraphDefinition();
    let releaseOther!: () => void;
    const otherStarted = new Promise<void>((resolve) => {
      const other = new Task(
        () =>
          new Promise<void>((_, reject) => {
            resolve();
            releaseOther = () => reject(new Error('its own bug'));
          }),
        { id: 'other' },
      );
      graph.add(other);
    });
    const boom = new Task(async () => {
      await otherStarted;
      throw new Error('boom');
    }, { id: 'boom' });
    graph.add(boom);
    const engine = new ExecutionEngine();
    const run = engine.start(graph);
    await otherStarted;
    await until(() => releaseOther !== undefined);
    await flushMicrotasks();
    releaseOther();
    const result = await run.result;
    expect(result.status).toBe('failed');
    expect(result.getRecord('boom').status).toBe('failed');
    expect(result.getRecord('other').status).toBe('failed');
    expect(result.errors.map((e) => [e.operationId, e.message])).toEqual([
      ['other', 'its own bug'],
      ['boom', 'boom'],
    ]);
  });
});
