import { lastValueFrom, toArray } from 'rxjs';
import { defineOperation, ExecutionEngine, GraphDefinition } from '../index';
import { deferred, eventInvariantViolations, Gates, nextEvent, settleWithFakeTimers } from './index';

describe('@portflow/core/testing', () => {
  afterEach(() => jest.useRealTimers());

  it('settleWithFakeTimers drives retry backoffs without waiting for them', async () => {
    jest.useFakeTimers();
    let calls = 0;
    const Flaky = defineOperation('flaky', { outputs: { n: Number } }, () => {
      if (++calls < 3) throw new Error('not yet');
      return { n: calls };
    });
    const graph = new GraphDefinition().add(new Flaky({ id: 'flaky', retry: { maxAttempts: 3, delaysMs: [60_000] } }));
    const result = await settleWithFakeTimers(new ExecutionEngine().run(graph), () => jest.advanceTimersToNextTimerAsync());
    expect(result.getOutput('flaky', 'n')).toBe(3);
  });

  it('settleWithFakeTimers says so when the promise waits for something other than a timer', async () => {
    await expect(settleWithFakeTimers(deferred().promise, () => undefined, 3)).rejects.toThrow(/3 timers fired and the promise is still pending/);
  });

  it('Gates hold operations so a test sees exactly how many overlap', async () => {
    const gates = new Gates();
    const twoRunning = deferred();
    const Held = defineOperation('held', {}, async (_inputs, context) => {
      const key = gates.keyOf(context);
      gates.enter(key);
      if (gates.running === 2) twoRunning.resolve();
      await gates.gate(key).promise;
      gates.leave(key);
    });
    const graph = new GraphDefinition().add(new Held({ id: 'a' }), new Held({ id: 'b' }), new Held({ id: 'c' }));
    const run = new ExecutionEngine({ maxParallel: 2 }).start(graph);
    const events = lastValueFrom(run.events$.pipe(toArray()));
    await twoRunning.promise;
    expect(gates.running).toBe(2);
    gates.openRunning();
    gates.open('c');
    await run.result;
    expect(gates.maxRunning).toBe(2);
    expect(eventInvariantViolations(await events, 3)).toEqual([]);
  });

  it('nextEvent resolves with the first matching event, and rejects when the run ends without one', async () => {
    const Step = defineOperation('step', {}, (_inputs, context) => context.reportProgress(0.5, 'half'));
    const graph = new GraphDefinition().add(new Step({ id: 'a' }), new Step({ id: 'b' }));
    const run = new ExecutionEngine().start(graph);
    const progress = nextEvent(run, 'OperationProgress', 'b');
    const never = nextEvent(run, 'OperationRetrying');
    await expect(progress).resolves.toMatchObject({ operationId: 'b', message: 'half' });
    await expect(never).rejects.toThrow(/the run ended \(succeeded\) before emitted OperationRetrying/);
  });

  it('Gates.until resolves once a condition holds after an enter or leave, and autoOpen opens each gate as it is entered', async () => {
    const gates = new Gates();
    let seen = false;
    const both = gates.until(() => gates.started.length === 2).then(() => (seen = true));
    gates.enter('a');
    await Promise.resolve();
    expect(seen).toBe(false);
    gates.enter('b');
    await both;
    const left = gates.until(() => gates.finished.includes('a'));
    gates.leave('a');
    await left;
    gates.open('a', 'b');
    await Promise.all([gates.gate('a').promise, gates.gate('b').promise]);
    gates.autoOpen = true;
    gates.enter('c');
    await gates.gate('c').promise;
  });
});
