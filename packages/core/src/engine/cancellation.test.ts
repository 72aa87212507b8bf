import { getEventListeners } from 'node:events';
import { CancellationToken, ExecutionEngine, GraphDefinition, RunCancelledError, type EngineEvent } from '..';
import { Flaky, Sleep, Stubborn, outline, record } from '../__fixtures__/engine-operations';
import { eventInvariantViolations } from '../testing/event-invariants';
import { Task } from '../__fixtures__/operations';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** sleep (10 s) ──> after; other (10 s) */
function build() {
  const graph = new GraphDefinition({ name: 'sleepy' });
  const sleep = new Sleep(10_000, { id: 'sleep' });
  const other = new Sleep(10_000, { id: 'other' });
  const ran: string[] = [];
  const after = new Task(() => void ran.push('after'), { id: 'after' });
  graph.dependsOn(after, sleep);
  graph.add(other);
  return { graph, sleep, other, ran };
}

function statuses(result: { operations: readonly { operationId: string; status: string }[] }): Record<string, string> {
  return Object.fromEntries(result.operations.map((r) => [r.operationId, r.status]));
}

describe('cancelling before any operation starts', () => {
  it('cancels every operation unrun when cancel() comes right after start()', async () => {
    const { graph, sleep } = build();
    const run = new ExecutionEngine().start(graph);
    const events = record(run);
    run.cancel('changed my mind');
    const result = await run.result;
    expect(result.status).toBe('cancelled');
    expect(result.reason).toBe('changed my mind');
    expect(result.getErrorMessage()).toBe('Run cancelled: changed my mind');
    expect(statuses(result)).toEqual({ sleep: 'cancelled', other: 'cancelled', after: 'cancelled' });
    expect(result.operations.every((r) => r.attempts === 0 && r.startedAt === null)).toBe(true);
    expect(sleep.signals).toEqual([]);
    expect(outline(events)).toEqual(['RunStarted', 'OperationCancelled:sleep', 'OperationCancelled:other', 'OperationCancelled:after', 'RunCompleted']);
    expect(events[1]).toMatchObject({ reason: 'changed my mind', attempt: 0, interrupted: false });
    expect(events.at(-1)).toMatchObject({ status: 'cancelled', reason: 'changed my mind', counts: { cancelled: 3 } });
  });

  it('cancels at once with an AbortSignal that is already aborted', async () => {
    const { graph } = build();
    const result = await new ExecutionEngine().run(graph, { signal: AbortSignal.abort(new Error('shutting down')) });
    expect(result.status).toBe('cancelled');
    expect(result.reason).toBe('shutting down');
    expect(result.counts.cancelled).toBe(3);
  });

  it('cancels at once with a CancellationToken that is already cancelled', async () => {
    const token = new CancellationToken();
    token.cancel('no longer needed');
    const result = await new ExecutionEngine().run(build().graph, { cancellationToken: token });
    expect(result.status).toBe('cancelled');
    expect(result.reason).toBe('no longer needed');
  });
});

describe('cancelling while operations run', () => {
  it('aborts running operations, starts nothing new, and settles as soon as they return', async () => {
    const { graph, sleep, other, ran } = build();
    const run = new ExecutionEngine().start(graph);
    const events = record(run);
    await jest.advanceTimersByTimeAsync(5);
    const cancelledAt = Date.now();
    run.cancel('user pressed stop');
    const result = await run.result;
    expect(Date.now()).toBe(cancelledAt); // no time had to pass
    expect(result.status).toBe('cancelled');
    expect(statuses(result)).toEqual({ sleep: 'cancelled', other: 'cancelled', after: 'cancelled' });
    expect(result.getRecord(sleep)).toMatchObject({ attempts: 1, durationMs: 5, reason: 'user pressed stop' });
    for (const signal of [...sleep.signals, ...other.signals]) {
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBeInstanceOf(RunCancelledError);
      expect((signal.reason as RunCancelledError).reason).toBe('user pressed stop');
    }
    // Nothing keeps running in the background: no timers left, nothing starts later.
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(ran).toEqual([]);
    expect(events.filter((e) => e.type === 'OperationCancelled')).toMatchObject([
      { operationId: 'after', interrupted: false, attempt: 0 },
      { operationId: 'sleep', interrupted: true, attempt: 1 },
      { operationId: 'other', interrupted: true, attempt: 1 },
    ]);
    expect(eventInvariantViolations(events, 3)).toEqual([]);
  });

  it('cancels through an AbortSignal, and stops listening to it when the run ends', async () => {
    const controller = new AbortController();
    const run = new ExecutionEngine().start(build().graph, { signal: controller.signal });
    await jest.advanceTimersByTimeAsync(5);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort('SIGINT');
    const result = await run.result;
    expect(result).toMatchObject({ status: 'cancelled', reason: 'SIGINT' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('removes its signal listener when the run ends normally too', async () => {
    const controller = new AbortController();
    await new ExecutionEngine().run(new GraphDefinition().add(new Task(() => undefined)), { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('cancels through a CancellationToken', async () => {
    const token = new CancellationToken();
    const run = new ExecutionEngine().start(build().graph, { cancellationToken: token });
    await jest.advanceTimersByTimeAsync(5);
    token.cancel('token says stop');
    expect(token.isCancelled).toBe(true);
    expect(token.reason).toBe('token says stop');
    expect(await run.result).toMatchObject({ status: 'cancelled', reason: 'token says stop' });
  });

  it('waits for an operation that ignores its signal, and keeps what it returned', async () => {
    const graph = new GraphDefinition();
    const stubborn = new Stubborn(1000, { id: 'stubborn' });
    const next = new Task(() => undefined, { id: 'next' });
    graph.dependsOn(next, stubborn);
    const run = new ExecutionEngine().start(graph);
    let settled = false;
    void run.result.then(() => (settled = true));
    await jest.advanceTimersByTimeAsync(10);
    run.cancel();
    await jest.advanceTimersByTimeAsync(500);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(490);
    const result = await run.result;
    expect(result.status).toBe('cancelled');
    expect(result.reason).toBe('cancelled by caller');
    expect(statuses(result)).toEqual({ stubborn: 'succeeded', next: 'cancelled' });
  });

  it('uses the operation timeout as a backstop for an operation that ignores its signal', async () => {
    const graph = new GraphDefinition().add(new Stubborn(60_000, { id: 'stubborn', timeoutMs: 100 }));
    const run = new ExecutionEngine().start(graph);
    await jest.advanceTimersByTimeAsync(10);
    run.cancel();
    await jest.advanceTimersByTimeAsync(90);
    expect(statuses(await run.result)).toEqual({ stubborn: 'cancelled' });
  });
});

describe('cancelling during a retry backoff', () => {
  it('stops the wait at once and cancels the operation', async () => {
    const graph = new GraphDefinition();
    const flaky = new Flaky(5, { id: 'flaky' });
    graph.add(flaky);
    const run = new ExecutionEngine({ retry: { maxAttempts: 5, delaysMs: [1000] } }).start(graph);
    const events = record(run);
    await jest.advanceTimersByTimeAsync(100);
    expect(jest.getTimerCount()).toBe(1); // the backoff timer
    run.cancel('giving up');
    const result = await run.result;
    expect(jest.getTimerCount()).toBe(0);
    expect(result.getRecord(flaky)).toMatchObject({ status: 'cancelled', attempts: 1, reason: 'giving up' });
    expect(result.errors).toEqual([]); // cancelled, not failed
    expect(outline(events)).toEqual([
      'RunStarted',
      'OperationStarted:flaky',
      'OperationFailed:flaky',
      'OperationRetrying:flaky',
      'OperationCancelled:flaky',
      'RunCompleted',
    ]);
    expect(events[4]).toMatchObject({ interrupted: false, attempt: 1 });
    await jest.advanceTimersByTimeAsync(5000);
    expect(flaky.attemptsSeen).toEqual([1]);
  });
});

describe('cancel() edge cases', () => {
  it('does nothing once the run has finished', async () => {
    const run = new ExecutionEngine().start(new GraphDefinition().add(new Task(() => undefined)));
    const result = await run.result;
    run.cancel();
    expect(result.status).toBe('succeeded');
    expect(await run.result).toBe(result);
  });

  it('keeps the first reason when cancelled twice', async () => {
    const run = new ExecutionEngine().start(build().graph);
    run.cancel('first');
    run.cancel('second');
    expect((await run.result).reason).toBe('first');
  });

  it('is cancelled by engine.close()', async () => {
    const engine = new ExecutionEngine();
    const run = engine.start(build().graph);
    await jest.advanceTimersByTimeAsync(1);
    await engine.close();
    expect(await run.result).toMatchObject({ status: 'cancelled', reason: 'engine closed' });
  });

  it('can come from an event handler: the operation whose start it saw does not run', async () => {
    const ran: string[] = [];
    const graph = new GraphDefinition();
    for (const id of ['a', 'b']) graph.add(new Task(() => void ran.push(id), { id }));
    const run = new ExecutionEngine().start(graph);
    const seenByLater: EngineEvent[] = [];
    run.events$.subscribe((e) => {
      if (e.type === 'OperationStarted' && e.operationId === 'a') run.cancel('seen enough');
    });
    run.events$.subscribe((e) => seenByLater.push(e));
    const result = await run.result;
    expect(ran).toEqual([]);
    expect(statuses(result)).toEqual({ a: 'cancelled', b: 'cancelled' });
    // The second subscriber still sees the events in order, RunCompleted last.
    expect(outline(seenByLater)).toEqual(['RunStarted', 'OperationStarted:a', 'OperationCancelled:b', 'OperationCancelled:a', 'RunCompleted']);
    expect(eventInvariantViolations(seenByLater, 2)).toEqual([]);
  });
});
