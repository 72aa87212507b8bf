import {
  ExecutionEngine,
  GraphDefinition,
  OperationOptions,
  OperationTimeoutError,
  Operation,
  Output,
  type EngineOptions,
  type ExecutionContext,
  type OperationInit,
  type OutputPort,
  type Outputs,
} from '..';
import { Sleep, record } from '../__fixtures__/engine-operations';
import { eventInvariantViolations } from '../testing/event-invariants';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** Takes `durations[attempt - 1]` ms per attempt and emits the attempt number; may ignore its signal. */
class Timed extends Operation {
  @Output(Number) attempt!: OutputPort<number>;
  readonly signals: AbortSignal[] = [];

  constructor(
    private readonly durations: number[],
    init?: OperationInit & { honourSignal?: boolean },
  ) {
    super(init);
    this.honourSignal = init?.honourSignal ?? true;
  }
  private readonly honourSignal: boolean;

  execute(_inputs: unknown, context: ExecutionContext): Promise<Outputs<Timed>> {
    const { signal, attempt } = context;
    this.signals.push(signal);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve({ attempt }), this.durations[attempt - 1] ?? 0);
      if (this.honourSignal) {
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      }
    });
  }
}

async function runToEnd(graph: GraphDefinition, options: EngineOptions = {}) {
  const run = new ExecutionEngine(options).start(graph);
  const events = record(run);
  await jest.runAllTimersAsync();
  const result = await run.result;
  expect(eventInvariantViolations(events, graph.operations.length)).toEqual([]);
  return { result, events };
}

function single(op: Operation): GraphDefinition {
  return new GraphDefinition().add(op);
}

describe('timeouts', () => {
  it('fails an attempt that runs longer than timeoutMs, aborting its signal with an OperationTimeoutError', async () => {
    const slow = new Timed([1000], { id: 'slow' });
    const start = Date.now();
    const { result, events } = await runToEnd(single(slow), { timeoutMs: 50 });
    expect(result.status).toBe('failed');
    const error = result.errors[0]!.error as OperationTimeoutError;
    expect(error).toBeInstanceOf(OperationTimeoutError);
    expect(error).toMatchObject({ code: 'PORTFLOW_TIMEOUT', operationId: 'slow', timeoutMs: 50, attempt: 1 });
    expect(error.message).toBe("Operation 'slow' attempt 1 timed out after 50 ms. Raise its timeoutMs or make it honour context.signal.");
    expect(slow.signals[0]!.aborted).toBe(true);
    expect(slow.signals[0]!.reason).toBe(error);
    expect(result.getRecord(slow)).toMatchObject({ status: 'failed', attempts: 1, durationMs: 50, error: { name: 'OperationTimeoutError' } });
    expect(result.finishedAt - start).toBe(50);
    expect(events.find((e) => e.type === 'OperationFailed')).toMatchObject({ error: { code: 'PORTFLOW_TIMEOUT' }, willRetry: false });
  });

  it('counts a timeout as a retryable failure', async () => {
    const slow = new Timed([1000, 10], { id: 'slow' });
    const start = Date.now();
    const { result } = await runToEnd(single(slow), { timeoutMs: 50, retry: { maxAttempts: 2, delaysMs: [20] } });
    expect(result.status).toBe('succeeded');
    expect(result.getOutput(slow, 'attempt')).toBe(2);
    expect(result.finishedAt - start).toBe(50 + 20 + 10);
    expect(slow.signals.map((s) => s.aborted)).toEqual([true, false]);
  });

  it('does not retry a timeout that retryOn rejects', async () => {
    const slow = new Timed([1000, 10], { id: 'slow' });
    const { result } = await runToEnd(single(slow), {
      timeoutMs: 50,
      retry: { maxAttempts: 3, retryOn: (e) => !(e instanceof OperationTimeoutError) },
    });
    expect(result.status).toBe('failed');
    expect(result.getRecord(slow).attempts).toBe(1);
  });

  it('ignores the late result of a timed-out attempt that ignored its signal', async () => {
    const stubborn = new Timed([200, 10], { id: 'stubborn', honourSignal: false });
    const { result, events } = await runToEnd(single(stubborn), { timeoutMs: 50, retry: { maxAttempts: 2, delaysMs: [0] } });
    expect(result.getOutput(stubborn, 'attempt')).toBe(2);
    expect(events.filter((e) => e.type === 'OperationCompleted')).toHaveLength(1);
  });

  it('takes the operation timeout over the engine default', async () => {
    @OperationOptions({ timeoutMs: 30 })
    class Strict extends Timed {}
    const graph = new GraphDefinition();
    const byClass = new Strict([40], { id: 'byClass' });
    const byInstance = new Timed([40], { id: 'byInstance', timeoutMs: 100 });
    const byEngine = new Timed([40], { id: 'byEngine' });
    graph.add(byClass, byInstance, byEngine);
    const { result } = await runToEnd(graph, { timeoutMs: 35, failurePolicy: 'continue' });
    expect(result.operations.map((r) => [r.operationId, r.status])).toEqual([
      ['byClass', 'failed'],
      ['byInstance', 'succeeded'],
      ['byEngine', 'failed'],
    ]);
  });

  it('clears the timeout timer when the attempt ends in time', async () => {
    const quick = new Sleep(10, { id: 'quick' });
    const run = new ExecutionEngine({ timeoutMs: 60_000 }).start(single(quick));
    await jest.advanceTimersByTimeAsync(10);
    expect((await run.result).status).toBe('succeeded');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('treats a timeout beyond what a timer can hold as no timeout, instead of firing at once', async () => {
    const slow = new Timed([100], { id: 'slow', timeoutMs: 3e9 });
    const { result } = await runToEnd(single(slow));
    expect(result.status).toBe('succeeded');
  });
});
