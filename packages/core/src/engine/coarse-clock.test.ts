import { CoarseClock } from './coarse-clock';
import { ExecutionEngine } from './execution-engine';
import { GraphDefinition } from '../graph/graph-definition';
import { defineOperation } from '../model/define-operation';

describe('CoarseClock', () => {
  afterEach(() => jest.useRealTimers());

  it('reuses one read until told that time may have passed', async () => {
    jest.useFakeTimers({ now: 1_000 });
    const clock = new CoarseClock();
    expect(clock.now()).toBe(1_000);
    jest.setSystemTime(1_005);
    expect(clock.now()).toBe(1_000); // reused
    await Promise.resolve();
    expect(clock.now()).toBe(1_000); // still: no timer or job expires it
    clock.stale();
    expect(clock.now()).toBe(1_005);
  });

  it('reads again once told that time may have passed', () => {
    jest.useFakeTimers({ now: 2_000 });
    const clock = new CoarseClock();
    clock.now();
    jest.setSystemTime(2_040);
    clock.stale();
    expect(clock.now()).toBe(2_040);
  });

  it('reads again after at most 64 reuses, even in one stretch', () => {
    jest.useFakeTimers({ now: 3_000 });
    const clock = new CoarseClock();
    clock.now();
    jest.setSystemTime(3_001);
    const seen = Array.from({ length: 64 }, () => clock.now());
    expect(seen).toContain(3_001);
  });

  it('times a synchronous operation by its own work, not by a reused read', async () => {
    jest.useFakeTimers({ now: 10_000 });
    const Busy = defineOperation('Busy', { outputs: {} }, () => {
      jest.setSystemTime(Date.now() + 250); // 250 ms of synchronous work
      return {};
    });
    const graph = new GraphDefinition();
    const busy = new Busy({ id: 'busy' });
    graph.add(busy);
    const engine = new ExecutionEngine();
    const result = await engine.run(graph);
    expect(result.getRecord(busy).durationMs).toBe(250);
    await engine.close();
  });
});

describe('event timestamps', () => {
  afterEach(() => jest.useRealTimers());

  it('are the operation records’ own stamps, read afresh after subscribers ran', async () => {
    jest.useFakeTimers({ now: 50_000 });
    const Step = defineOperation('Step', { outputs: {} }, () => ({}));
    const graph = new GraphDefinition();
    const a = new Step({ id: 'a' });
    const b = new Step({ id: 'b' });
    graph.dependsOn(b, a);
    const engine = new ExecutionEngine();
    const run = engine.start(graph);
    const stamps: Record<string, number> = {};
    run.events$.subscribe((event) => {
      if (event.type === 'OperationStarted' || event.type === 'OperationCompleted') stamps[`${event.type}:${event.operationId}`] = event.timestamp;
      // A slow subscriber: 100 ms pass while it handles a's completion.
      if (event.type === 'OperationCompleted' && event.operationId === 'a') jest.setSystemTime(Date.now() + 100);
    });
    const result = await run.result;
    expect(stamps['OperationCompleted:a']).toBe(result.getRecord(a).finishedAt);
    expect(stamps['OperationStarted:b']).toBe(result.getRecord(b).startedAt);
    expect(stamps['OperationStarted:b']! - stamps['OperationCompleted:a']!).toBe(100);
    await engine.close();
  });
});
