import {
  Input,
  Operation,
  type ExecutionContext,
  type InputPort,
  type Inputs,
  ExecutionEngine,
  GraphDefinition,
  GraphValidationError,
  OperationOptions,
  PortTypeError,
  ofType,
  retryDelay,
  type EngineEvent,
  type EngineOptions,
  type OperationFailed,
  type OperationInit,
  type RetryPolicy,
} from '..';
import { Emit, Flaky, Liar, Square, record } from '../__fixtures__/engine-operations';
import { eventInvariantViolations } from '../testing/event-invariants';
import { Constant } from '../__fixtures__/operations';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** Runs `graph` to the end under fake timers; returns the result and the events. */
async function runToEnd(graph: GraphDefinition, options: EngineOptions = {}) {
  const run = new ExecutionEngine(options).start(graph);
  const events = record(run);
  await jest.runAllTimersAsync();
  const result = await run.result;
  expect(jest.getTimerCount()).toBe(0);
  expect(eventInvariantViolations(events, graph.operations.length)).toEqual([]);
  return { result, events };
}

function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((t, k) => t - times[k]!);
}

function retryDelays(events: readonly EngineEvent[]): number[] {
  return events.flatMap((e) => (e.type === 'OperationRetrying' ? [e.delayMs] : []));
}

function flakyGraph(failures: number, init?: OperationInit, makeError?: (attempt: number) => unknown) {
  const graph = new GraphDefinition({ name: 'flaky' });
  const flaky = new Flaky(failures, { id: 'flaky', ...init }, makeError);
  graph.add(flaky);
  return { graph, flaky };
}

describe('retry with explicit delays', () => {
  it('waits exactly the listed delays between attempts (seed 000: 100, 500, 2000)', async () => {
    const { graph, flaky } = flakyGraph(3);
    const { result, events } = await runToEnd(graph, { retry: { maxAttempts: 4, delaysMs: [100, 500, 2000] } });
    expect(result.status).toBe('succeeded');
    expect(result.getOutput(flaky, 'value')).toBe(4);
    expect(gaps(flaky.attemptTimes)).toEqual([100, 500, 2000]);
    expect(retryDelays(events)).toEqual([100, 500, 2000]);
    expect(result.getRecord(flaky)).toMatchObject({ status: 'succeeded', attempts: 4, durationMs: 2600 });
  });

  it('gives every attempt the same context.idempotencyKey: runId/operationId', async () => {
    const { graph, flaky } = flakyGraph(2);
    const run = new ExecutionEngine({ retry: { maxAttempts: 3, delaysMs: [10] } }).start(graph);
    await jest.runAllTimersAsync();
    expect((await run.result).status).toBe('succeeded');
    expect(flaky.attemptsSeen).toEqual([1, 2, 3]);
    expect(flaky.keysSeen).toEqual([`${run.runId}/flaky`, `${run.runId}/flaky`, `${run.runId}/flaky`]);
  });

  it('repeats the last delay when there are more retries than delays', async () => {
    const { graph, flaky } = flakyGraph(4);
    await runToEnd(graph, { retry: { maxAttempts: 5, delaysMs: [100, 500] } });
    expect(gaps(flaky.attemptTimes)).toEqual([100, 500, 500, 500]);
  });

  it('fails with the last error after maxAttempts', async () => {
    const { graph, flaky } = flakyGraph(10);
    const { result, events } = await runToEnd(graph, { retry: { maxAttempts: 3, delaysMs: [10] } });
    expect(result.status).toBe('failed');
    expect(flaky.attemptsSeen).toEqual([1, 2, 3]);
    expect(result.errors).toMatchObject([{ operationId: 'flaky', attempt: 3, message: 'transient failure 3' }]);
    const failed = events.filter((e): e is OperationFailed => e.type === 'OperationFailed');
    expect(failed.map((e) => [e.attempt, e.willRetry])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    const retrying = events.filter((e) => e.type === 'OperationRetrying');
    expect(retrying).toMatchObject([
      { attempt: 2, delayMs: 10, error: { message: 'transient failure 1' } },
      { attempt: 3, delayMs: 10, error: { message: 'transient failure 2' } },
    ]);
  });

  it('does not retry by default', async () => {
    const { graph, flaky } = flakyGraph(1);
    const { result } = await runToEnd(graph);
    expect(result.status).toBe('failed');
    expect(flaky.attemptsSeen).toEqual([1]);
  });

  it('retries on the next timer turn with a zero delay (Node clamps nested 0 ms timers to 1 ms)', async () => {
    const { graph, flaky } = flakyGraph(2);
    const { events } = await runToEnd(graph, { retry: { maxAttempts: 3, delaysMs: [0] } });
    expect(retryDelays(events)).toEqual([0, 0]);
    for (const gap of gaps(flaky.attemptTimes)) expect(gap).toBeLessThanOrEqual(1);
  });
});

describe('retry with exponential backoff', () => {
  it('multiplies the delay and caps it at maxDelayMs', async () => {
    const { graph, flaky } = flakyGraph(5);
    const { events } = await runToEnd(graph, { retry: { maxAttempts: 6, initialDelayMs: 50, multiplier: 3, maxDelayMs: 1000 } });
    expect(gaps(flaky.attemptTimes)).toEqual([50, 150, 450, 1000, 1000]);
    expect(retryDelays(events)).toEqual([50, 150, 450, 1000, 1000]);
  });

  it('defaults to 100 ms doubling', async () => {
    const { graph, flaky } = flakyGraph(3);
    await runToEnd(graph, { retry: { maxAttempts: 4 } });
    expect(gaps(flaky.attemptTimes)).toEqual([100, 200, 400]);
  });

  it('spreads delays by jitter using the engine random source', async () => {
    const draws = [0, 0.75, 0.5];
    const random = jest.fn(() => draws.shift()!);
    const { graph, flaky } = flakyGraph(3);
    await runToEnd(graph, { retry: { maxAttempts: 4, initialDelayMs: 100, multiplier: 2, jitter: 0.5 }, random });
    // 100 * (1 - 0.5), 200 * (1 + 0.25), 400 * 1
    expect(gaps(flaky.attemptTimes)).toEqual([50, 250, 400]);
    expect(random).toHaveBeenCalledTimes(3);
  });

  it('keeps jittered delays within maxDelayMs', async () => {
    const { graph, flaky } = flakyGraph(2);
    await runToEnd(graph, { retry: { maxAttempts: 3, initialDelayMs: 800, maxDelayMs: 1000, jitter: 0.5 }, random: () => 0.999 });
    expect(gaps(flaky.attemptTimes)).toEqual([1000, 1000]);
  });
});

describe('retryDelay', () => {
  it.each<[string, RetryPolicy, number, number]>([
    ['the first explicit delay', { maxAttempts: 4, delaysMs: [100, 500] }, 1, 100],
    ['the last explicit delay, repeated', { maxAttempts: 4, delaysMs: [100, 500] }, 3, 500],
    ['backoff, first retry', { maxAttempts: 4, initialDelayMs: 10, multiplier: 3 }, 1, 10],
    ['backoff, second retry', { maxAttempts: 4, initialDelayMs: 10, multiplier: 3 }, 2, 30],
    ['backoff, capped', { maxAttempts: 40, initialDelayMs: 10, multiplier: 10, maxDelayMs: 5000 }, 30, 5000],
    ['default 30 s cap', { maxAttempts: 40 }, 30, 30_000],
  ])('gives %s', (_name, policy, attempt, expected) => {
    expect(retryDelay(policy, attempt, () => 0.5)).toBe(expected);
  });

  it('applies jitter to explicit delays as well', () => {
    expect(retryDelay({ maxAttempts: 2, delaysMs: [1000], jitter: 0.1 }, 1, () => 0)).toBe(900);
    expect(retryDelay({ maxAttempts: 2, delaysMs: [1000], jitter: 0.1 }, 1, () => 0.99999)).toBe(1100);
  });
});

describe('retryOn', () => {
  class PermanentError extends Error {
    override name = 'PermanentError';
  }

  it('skips retries for errors it rejects', async () => {
    const { graph, flaky } = flakyGraph(5, undefined, () => new PermanentError('bad credentials'));
    const { result, events } = await runToEnd(graph, { retry: { maxAttempts: 5, delaysMs: [10], retryOn: (e) => !(e instanceof PermanentError) } });
    expect(flaky.attemptsSeen).toEqual([1]);
    expect(result.errors[0]).toMatchObject({ name: 'PermanentError', attempt: 1 });
    expect(events.filter((e) => e.type === 'OperationFailed')).toMatchObject([{ willRetry: false }]);
  });

  it('sees the error and the attempt that failed', async () => {
    const retryOn = jest.fn((_error: unknown, attempt: number) => attempt < 2);
    const { graph, flaky } = flakyGraph(5);
    await runToEnd(graph, { retry: { maxAttempts: 5, delaysMs: [10], retryOn } });
    expect(flaky.attemptsSeen).toEqual([1, 2]);
    expect(retryOn.mock.calls).toEqual([
      [expect.objectContaining({ message: 'transient failure 1' }), 1],
      [expect.objectContaining({ message: 'transient failure 2' }), 2],
    ]);
  });

  it('treats a retryOn that throws as "do not retry"', async () => {
    const { graph, flaky } = flakyGraph(5);
    const { result } = await runToEnd(graph, {
      retry: {
        maxAttempts: 5,
        retryOn: () => {
          throw new Error('broken predicate');
        },
      },
    });
    expect(flaky.attemptsSeen).toEqual([1]);
    expect(result.errors[0]!.message).toBe('transient failure 1');
  });
});

describe('where the retry policy comes from', () => {
  @OperationOptions({ retry: { maxAttempts: 3, delaysMs: [7] } })
  class DecoratedFlaky extends Flaky {}

  it('takes the operation class decorator over the engine default', async () => {
    const graph = new GraphDefinition();
    const flaky = new DecoratedFlaky(5, { id: 'flaky' });
    graph.add(flaky);
    await runToEnd(graph, { retry: { maxAttempts: 10, delaysMs: [1000] } });
    expect(gaps(flaky.attemptTimes)).toEqual([7, 7]);
  });

  it('takes the constructor option over the decorator', async () => {
    const graph = new GraphDefinition();
    const flaky = new DecoratedFlaky(5, { id: 'flaky', retry: { maxAttempts: 2, delaysMs: [3] } });
    graph.add(flaky);
    await runToEnd(graph);
    expect(gaps(flaky.attemptTimes)).toEqual([3]);
  });

  it('rejects an invalid per-operation policy when the graph is validated', async () => {
    const { graph } = flakyGraph(1, { retry: { maxAttempts: -1 } });
    await expect(new ExecutionEngine().run(graph)).rejects.toThrow(GraphValidationError);
  });
});

describe('which failures are retried', () => {
  it('retries a MissingOutputError: the next attempt may return the value', async () => {
    let calls = 0;
    const liar = new (class extends Liar {
      override execute() {
        return (++calls === 1 ? {} : { value: 1 }) as never;
      }
    })(undefined, { id: 'liar' });
    const graph = new GraphDefinition();
    graph.add(liar);
    const { result, events } = await runToEnd(graph, { retry: { maxAttempts: 2, delaysMs: [5] } });
    expect(result.status).toBe('succeeded');
    expect(events.find((e) => e.type === 'OperationFailed')).toMatchObject({ error: { name: 'MissingOutputError' }, willRetry: true });
  });

  it('does not retry an input of the wrong type: every attempt would get the same value', async () => {
    const graph = new GraphDefinition();
    const square = new Square({ id: 'square' });
    graph.connect(new Emit('not a number', { id: 'emit' }), 'value', square, 'x');
    const { result, events } = await runToEnd(graph, { retry: { maxAttempts: 5, delaysMs: [5] } });
    expect(result.errors[0]!.error).toBeInstanceOf(PortTypeError);
    expect(result.getRecord(square).attempts).toBe(1);
    expect(events.filter((e) => e.type === 'OperationRetrying')).toEqual([]);
  });

  it('retries an output of the wrong type', async () => {
    const graph = new GraphDefinition();
    const liar = new Liar({ value: 'three' }, { id: 'liar' });
    graph.add(liar);
    const { result } = await runToEnd(graph, { retry: { maxAttempts: 2, delaysMs: [5] } });
    expect(result.getRecord(liar).attempts).toBe(2);
    expect(result.errors[0]!.error).toBeInstanceOf(PortTypeError);
  });

  it('narrows retry events with ofType', async () => {
    const { graph } = flakyGraph(1);
    const run = new ExecutionEngine({ retry: { maxAttempts: 2, delaysMs: [5] } }).start(graph);
    const delays: number[] = [];
    run.events$.pipe(ofType('OperationRetrying')).subscribe((e) => delays.push(e.delayMs));
    await jest.runAllTimersAsync();
    await run.result;
    expect(delays).toEqual([5]);
  });
});

describe('channels and retries', () => {
  class FailsTwice extends Operation {
    @Input(Number) value!: InputPort<number>;
    execute(_inputs: Inputs<FailsTwice>, context: ExecutionContext): void {
      if (context.attempt < 3) throw new Error(`attempt ${context.attempt}`);
    }
  }

  it('shows a value on the channel once, however many attempts read it', async () => {
    const graph = new GraphDefinition();
    const reader = new FailsTwice({ id: 'reader', retry: { maxAttempts: 3, delaysMs: [0] } });
    const channel = graph.connect(new Constant(7, { id: 'source' }), 'value', reader, 'value');
    const seen: unknown[] = [];
    const sub = channel.values$.subscribe((v) => seen.push(v));
    const pending = new ExecutionEngine().run(graph);
    await jest.runAllTimersAsync();
    const result = await pending;
    sub.unsubscribe();
    expect(result.getRecord('reader').attempts).toBe(3);
    expect(result.status).toBe('succeeded');
    expect(seen).toEqual([7]);
  });
});
