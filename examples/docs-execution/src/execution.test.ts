import { ExecutionEngine, GraphDefinition, Operation, OperationTimeoutError, Output, RunCancelledError, type ExecutionContext, type OutputPort, type Outputs } from '@portflow/core';
import {
  HttpError,
  PriceService,
  backoffEngine,
  cancelWithHandle,
  cancelWithToken,
  describeResult,
  keepGoing,
  limitedParallelism,
  portfolio,
  runPortfolio,
  resumeAfterFailure,
  runUntilCtrlC,
  sleep,
  timeoutAndRetry,
  watchEvents,
} from './execution';

describe('docs/execution.md samples', () => {
  let log: jest.SpyInstance;
  beforeEach(() => {
    log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
    log.mockRestore();
  });

  /** Runs a sample to the end under fake timers. */
  async function settle<T>(sample: Promise<T>): Promise<T> {
    await jest.runAllTimersAsync();
    return sample;
  }

  it('runs the portfolio', async () => {
    await expect(settle(runPortfolio(new PriceService()))).resolves.toBe('190 EUR');
    expect(log).toHaveBeenCalledWith('succeeded', '190 EUR');
  });

  it('never runs more than maxParallel operations at once', async () => {
    await expect(settle(limitedParallelism(new PriceService()))).resolves.toBe(2);
  });

  it('retries with the delays of the decorator: 100, 500, 2000 ms', async () => {
    const service = new PriceService({ failures: 3 });
    const { graph, total } = portfolio(['ACME'], service);
    const started = Date.now();
    const result = await settle(new ExecutionEngine().run(graph));
    expect(result.getOutput(total, 'summary')).toBe('40 USD');
    expect(service.calls).toBe(4);
    expect(result.finishedAt - started).toBe(4 * 20 + 100 + 500 + 2000);
  });

  it('does not retry a 4xx, which retryOn rejects', async () => {
    const service = new PriceService({ failures: 10, status: 404 });
    const result = await settle(new ExecutionEngine().run(portfolio(['ACME'], service).graph));
    expect(service.calls).toBe(1);
    expect(result.errors[0]!.error).toEqual(new HttpError(404));
  });

  it('builds an engine with exponential backoff, jitter and retryOn', async () => {
    /** An operation with no retry policy of its own, so the engine default applies. */
    class Ping extends Operation {
      @Output(Number) price!: OutputPort<number>;
      constructor(private readonly service: PriceService) {
        super({ id: 'ping' });
      }
      async execute(_inputs: unknown, context: ExecutionContext): Promise<Outputs<Ping>> {
        return { price: await this.service.quote('x', context.signal) };
      }
    }
    const engine = backoffEngine();
    const flaky = new PriceService({ failures: 2, latencyMs: 0 });
    const started = Date.now();
    const result = await settle(engine.run(new GraphDefinition().add(new Ping(flaky))));
    expect(result.status).toBe('succeeded');
    expect(flaky.calls).toBe(3);
    const waited = result.finishedAt - started; // 200 and 400 ms, each spread by ±20 %
    expect(waited).toBeGreaterThanOrEqual(0.8 * 600);
    expect(waited).toBeLessThanOrEqual(1.2 * 600);
    const notFound = new PriceService({ failures: 5, status: 404 });
    expect((await settle(engine.run(new GraphDefinition().add(new Ping(notFound))))).status).toBe('failed');
    expect(notFound.calls).toBe(1);
    await engine.close();
  });

  it('times out a hanging call and retries it', async () => {
    const started = Date.now();
    const result = await settle(timeoutAndRetry());
    expect(result.status).toBe('succeeded');
    expect(result.getRecord('fetch-ACME').attempts).toBe(2);
    expect(result.finishedAt - started).toBe(5000 + 100 + 20);
  });

  it("keeps going under 'continue' and skips what depends on the failure", async () => {
    const result = await settle(keepGoing());
    expect(result.operations.map((op) => [op.operationId, op.status, op.reason ?? ''])).toEqual([
      ['ACME', 'succeeded', ''],
      ['NOPE', 'succeeded', ''],
      ['independent', 'succeeded', ''],
      ['fetch-ACME', 'succeeded', ''],
      ['fetch-NOPE', 'failed', ''],
      ['total', 'skipped', "upstream operation 'fetch-NOPE' failed"],
    ]);
    expect(log).toHaveBeenCalledWith('total', 'skipped', "upstream operation 'fetch-NOPE' failed");
  });

  it('cancels on Ctrl-C, and stops listening for it afterwards', async () => {
    const listeners = process.listenerCount('SIGINT');
    const service = new PriceService({ latencyMs: 10_000 });
    const running = runUntilCtrlC(new ExecutionEngine(), portfolio(['ACME'], service).graph);
    await jest.advanceTimersByTimeAsync(100);
    process.emit('SIGINT');
    const result = await running;
    expect(result).toMatchObject({ status: 'cancelled', reason: 'interrupted (Ctrl-C)' });
    expect(process.listenerCount('SIGINT')).toBe(listeners);
    // And when no Ctrl-C comes, the listener goes too.
    await settle(runUntilCtrlC(new ExecutionEngine(), portfolio(['ACME'], new PriceService()).graph));
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });

  it('cancels from an event handler and with a token', async () => {
    const handle = await settle(cancelWithHandle(portfolio(['ACME'], new PriceService()).graph));
    expect(handle).toMatchObject({ status: 'cancelled', reason: 'enough for today' });
    expect(handle.getRecord('fetch-ACME').status).toBe('cancelled');
    const token = await settle(cancelWithToken(portfolio(['ACME'], new PriceService()).graph));
    expect(token).toMatchObject({ status: 'cancelled', reason: 'shutting down' });
  });

  it('watches retries, one operation and progress', async () => {
    const lines = await settle(watchEvents(new PriceService({ failures: 1 })));
    expect(lines).toEqual([
      '0/5 done',
      '1/5 done',
      '2/5 done',
      'retrying fetch-ACME in 100 ms: HTTP 503',
      '3/5 done',
      '4/5 done',
      'total: OperationStarted',
      'total: OperationProgress',
      'total: OperationCompleted',
      '5/5 done',
    ]);
  });

  it('reads a result', async () => {
    const { graph, total } = portfolio(['ACME'], new PriceService());
    const ok = describeResult(await settle(new ExecutionEngine().run(graph)), total);
    expect(ok).toMatchObject({ summary: '40 USD', records: ['ACME succeeded after 1 attempt(s) in 0 ms', 'fetch-ACME succeeded after 1 attempt(s) in 20 ms', 'total succeeded after 1 attempt(s) in 0 ms'] });
    const failed = describeResult(await settle(keepGoing()), total);
    expect(failed.message).toBe('fetch-NOPE (attempt 1): HttpError: HTTP 404');
    expect(failed.stacks).toEqual([expect.stringContaining('HttpError: HTTP 404')]);
    expect(JSON.parse(failed.json as string)).toMatchObject({ status: 'failed', counts: { failed: 1, skipped: 1 } });
  });

  it('resumes a failed run: what completed is restored, the rest runs', async () => {
    const { first, second, restored, calls } = await settle(resumeAfterFailure());
    expect(first).toBe('failed');
    expect(second).toBe('110 USD');
    expect(restored.sort()).toEqual(['ACME', 'INITECH', 'fetch-ACME']);
    expect(calls).toEqual({ ACME: 1, INITECH: 2 });
  });

  it('sleeps until aborted', async () => {
    const controller = new AbortController();
    const sleeping = sleep(1000, controller.signal);
    controller.abort(new RunCancelledError('test'));
    await expect(sleeping).rejects.toBeInstanceOf(RunCancelledError);
    await expect(sleep(1, AbortSignal.abort(new OperationTimeoutError('x', 1, 1)))).rejects.toBeInstanceOf(OperationTimeoutError);
  });
});

// #region fake-timers
describe('a graph with retries, under jest fake timers', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('waits out 100, 500 and 2000 ms without really waiting', async () => {
    const service = new PriceService({ failures: 3 });
    const { graph, total } = portfolio(['ACME'], service);
    const running = new ExecutionEngine().run(graph);
    await jest.runAllTimersAsync(); // fires timers and lets promises settle in between
    const result = await running;
    expect(result.getOutput(total, 'summary')).toBe('40 USD');
    expect(service.calls).toBe(4);
  });
});
// #endregion fake-timers
