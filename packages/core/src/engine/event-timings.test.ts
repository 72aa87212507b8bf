import { ExecutionEngine, GraphDefinition, type EngineEvent } from '..';
import { Fail, Flaky, Noop, Sleep, record } from '../__fixtures__/engine-operations';

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

/**
 * What a live display derives from events (a step's start, end and
 * duration) must be what the run's result records: the CLI shows both, the
 * live line while it runs and the table at the end.
 */
describe('event timestamps and the result records', () => {
  it('agree for every kind of ending: succeeded, retried, failed, skipped, cancelled', async () => {
    const graph = new GraphDefinition({ name: 'endings' });
    const ok = new Sleep(30, { id: 'ok' });
    const retried = new Flaky(1, { id: 'retried', retry: { maxAttempts: 2, delaysMs: [10] } });
    const bad = new Fail(new Error('boom'), { id: 'bad' });
    const downstream = new Noop({ id: 'downstream' });
    const slow = new Sleep(1_000, { id: 'slow' });
    graph.add(ok, retried, bad, slow);
    const channel = graph.connect(ok, 'slept', bad, 'after');
    graph.dependsOn(downstream, bad);
    // Time passes while a channel subscriber handles a value, too.
    channel.values$.subscribe(() => jest.setSystemTime(Date.now() + 5));
    const run = new ExecutionEngine({ failurePolicy: 'continue' }).start(graph);
    const events = record(run);
    // Time passes while subscribers handle each event: a second clock read would disagree.
    run.events$.subscribe(() => jest.setSystemTime(Date.now() + 1));
    await jest.advanceTimersByTimeAsync(500);
    run.cancel('enough');
    await jest.runAllTimersAsync();
    const result = await run.result;

    const first = (type: EngineEvent['type'], id: string) => events.find((e) => e.type === type && 'operationId' in e && e.operationId === id);
    const last = (type: EngineEvent['type'], id: string) => events.findLast((e) => e.type === type && 'operationId' in e && e.operationId === id);
    for (const op of [ok, retried, bad, slow]) {
      expect(first('OperationStarted', op.id)?.timestamp).toBe(result.getRecord(op).startedAt);
    }
    for (const op of [ok, retried]) {
      const completed = last('OperationCompleted', op.id);
      expect(completed?.timestamp).toBe(result.getRecord(op).finishedAt);
      expect(completed?.type === 'OperationCompleted' && completed.durationMs).toBe(result.getRecord(op).durationMs);
    }
    expect(result.getRecord(retried).attempts).toBe(2);
    expect(last('OperationFailed', bad.id)?.timestamp).toBe(result.getRecord(bad).finishedAt);
    expect(result.getRecord(downstream)).toMatchObject({ status: 'skipped', startedAt: null, finishedAt: null });
    expect(last('OperationCancelled', slow.id)?.timestamp).toBe(result.getRecord(slow).finishedAt);
    expect(result.getRecord(slow).status).toBe('cancelled');
  });
});
