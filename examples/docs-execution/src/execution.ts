import {
  CancellationToken,
  Collect,
  ExecutionEngine,
  GraphDefinition,
  MemoryCheckpointStore,
  Input,
  Operation,
  OperationOptions,
  Output,
  forOperation,
  ofType,
  type CollectInputPort,
  type ExecutionContext,
  type ExecutionResult,
  type InputPort,
  type Inputs,
  type OperationInit,
  type OutputPort,
  type Outputs,
} from '@portflow/core';

// #region sleep
/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
// #endregion sleep

/** An HTTP failure; 5xx may go away, 4xx will not. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/**
 * A price service standing in for the network: each call takes `latencyMs`
 * (the first `hangs` calls take an hour), and the first `failures` calls fail
 * with HTTP `status`.
 */
export class PriceService {
  calls = 0;
  constructor(private readonly options: { latencyMs?: number; hangs?: number; failures?: number; status?: number } = {}) {}

  async quote(symbol: string, signal: AbortSignal): Promise<number> {
    const call = ++this.calls;
    await sleep(call <= (this.options.hangs ?? 0) ? 3_600_000 : (this.options.latencyMs ?? 20), signal);
    if (call <= (this.options.failures ?? 0)) throw new HttpError(this.options.status ?? 503);
    return symbol.length * 10;
  }
}

// #region fetch-quote
@OperationOptions({
  // Seed 000's policy: up to 4 attempts, waiting 100, 500, then 2000 ms; a 4xx will not get better.
  retry: { maxAttempts: 4, delaysMs: [100, 500, 2000], retryOn: (error) => !(error instanceof HttpError && error.status < 500) },
  timeoutMs: 5_000, // per attempt; a timeout is retried like any failure
})
export class FetchQuote extends Operation {
  @Input(String) symbol!: InputPort<string>;
  @Output(Number) price!: OutputPort<number>;

  constructor(
    private readonly service: PriceService,
    init?: OperationInit,
  ) {
    super(init);
  }

  async execute({ symbol }: Inputs<FetchQuote>, context: ExecutionContext): Promise<Outputs<FetchQuote>> {
    context.logger.debug('fetching', { symbol, attempt: context.attempt });
    return { price: await this.service.quote(symbol, context.signal) };
  }
}
// #endregion fetch-quote

/** Emits a ticker symbol (a param: part of what the operation computes, and of its cache key). */
export class Ticker extends Operation<{ symbol: string }> {
  @Output(String) symbol!: OutputPort<string>;
  constructor(symbol: string) {
    super({ id: symbol, params: { symbol } });
  }
  execute(): Outputs<Ticker> {
    return { symbol: this.params.symbol };
  }
}

/** Sums the quotes and converts them to the run's currency. */
export class Total extends Operation {
  @Collect(Number) prices!: CollectInputPort<number>;
  @Output(String) summary!: OutputPort<string>;

  execute({ prices }: Inputs<Total>, context: ExecutionContext): Outputs<Total> {
    const currency = String(context.variables.currency ?? 'USD');
    context.reportProgress(1, `${prices.length} prices`);
    return { summary: `${prices.reduce((a, b) => a + b, 0)} ${currency}` };
  }
}

/** ticker -> fetch, for each symbol; every fetch -> total. */
export function portfolio(symbols: string[], service: PriceService | ((symbol: string) => PriceService)) {
  const graph = new GraphDefinition({ name: 'portfolio' });
  const total = new Total({ id: 'total' });
  for (const s of symbols) {
    const fetch = new FetchQuote(typeof service === 'function' ? service(s) : service, { id: `fetch-${s}` });
    graph.connect(new Ticker(s), 'symbol', fetch, 'symbol');
    graph.connect(fetch, 'price', total, 'prices');
  }
  return { graph, total };
}

export async function runPortfolio(service: PriceService): Promise<string | undefined> {
  const { graph, total } = portfolio(['ACME', 'INITECH', 'UMBRELLA'], service);
  // #region run
  const engine = new ExecutionEngine({ maxParallel: 8, timeoutMs: 30_000 });
  const result = await engine.run(graph, { variables: { currency: 'EUR' } });
  console.log(result.status, result.getOutput(total, 'summary')); // succeeded 190 EUR
  await engine.close();
  // #endregion run
  return result.getOutput(total, 'summary');
}

export async function limitedParallelism(service: PriceService): Promise<number> {
  const { graph } = portfolio(['A', 'BB', 'CCC', 'DDDD', 'EEEEE', 'FFFFFF'], service);
  // #region max-parallel
  const engine = new ExecutionEngine({ maxParallel: 2 });
  let running = 0;
  let mostAtOnce = 0;
  engine.events$.subscribe((e) => {
    if (e.type === 'OperationStarted' && e.operationId.startsWith('fetch-')) mostAtOnce = Math.max(mostAtOnce, ++running);
    if (e.type === 'OperationCompleted' && e.operationId.startsWith('fetch-')) running--;
  });
  await engine.run(graph);
  console.log(`at most ${mostAtOnce} fetches at once`); // at most 2 fetches at once
  // #endregion max-parallel
  await engine.close();
  return mostAtOnce;
}

export function backoffEngine(): ExecutionEngine {
  // #region backoff
  const engine = new ExecutionEngine({
    retry: {
      maxAttempts: 5,
      initialDelayMs: 200, // then 400, 800, 1600: initialDelayMs * multiplier^(n-1)
      multiplier: 2,
      maxDelayMs: 5_000,
      jitter: 0.2, // each delay * (1 ± 0.2), so that many clients do not retry in step
      retryOn: (error) => !(error instanceof HttpError && error.status < 500), // a 4xx will not get better
    },
  });
  // #endregion backoff
  return engine;
}

export async function timeoutAndRetry(): Promise<ExecutionResult> {
  // #region timeout
  // The first call hangs; FetchQuote's 5 s timeout aborts it, and the retry 100 ms later succeeds.
  const service = new PriceService({ hangs: 1 });
  const { graph } = portfolio(['ACME'], service);
  const result = await new ExecutionEngine().run(graph);
  console.log(result.status, result.getRecord('fetch-ACME').attempts); // succeeded 2
  // #endregion timeout
  return result;
}

export async function keepGoing(): Promise<ExecutionResult> {
  // #region continue
  const notFound = new PriceService({ failures: Infinity, status: 404 });
  const { graph } = portfolio(['ACME', 'NOPE'], (symbol) => (symbol === 'NOPE' ? notFound : new PriceService()));
  graph.add(new Total({ id: 'independent' }));

  const engine = new ExecutionEngine({ failurePolicy: 'continue' });
  const result = await engine.run(graph);
  for (const op of result.operations) console.log(op.operationId, op.status, op.reason ?? '');
  // ACME succeeded, NOPE succeeded, independent succeeded, fetch-ACME succeeded,
  // fetch-NOPE failed, total skipped upstream operation 'fetch-NOPE' failed
  // #endregion continue
  return result;
}

// #region ctrl-c
export async function runUntilCtrlC(engine: ExecutionEngine, graph: GraphDefinition): Promise<ExecutionResult> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort('interrupted (Ctrl-C)');
  process.once('SIGINT', onSigint); // once: a second Ctrl-C exits as usual
  try {
    return await engine.run(graph, { signal: controller.signal });
  } finally {
    process.off('SIGINT', onSigint);
  }
}
// #endregion ctrl-c

export async function cancelWithHandle(graph: GraphDefinition): Promise<ExecutionResult> {
  const engine = new ExecutionEngine();
  // #region handle
  const run = engine.start(graph);
  run.events$.pipe(ofType('OperationStarted')).subscribe((e) => {
    if (e.operationId === 'fetch-ACME') run.cancel('enough for today');
  });
  const result = await run.result;
  // #endregion handle
  return result;
}

export async function cancelWithToken(graph: GraphDefinition): Promise<ExecutionResult> {
  const engine = new ExecutionEngine();
  // #region token
  const token = new CancellationToken();
  const running = engine.run(graph, { cancellationToken: token });
  token.cancel('shutting down'); // from anywhere that holds the token
  const result = await running;
  // #endregion token
  return result;
}

export async function watchEvents(service: PriceService): Promise<string[]> {
  const lines: string[] = [];
  const log = (line: string): void => void lines.push(line);
  const { graph, total } = portfolio(['ACME', 'INITECH'], service);
  const engine = new ExecutionEngine();
  // #region events
  const run = engine.start(graph, { variables: { currency: 'EUR' } });
  run.events$.pipe(ofType('OperationRetrying')).subscribe((e) => log(`retrying ${e.operationId} in ${e.delayMs} ms: ${e.error.message}`));
  run.events$.pipe(forOperation(total)).subscribe((e) => log(`total: ${e.type}`));
  run.progress$.subscribe((p) => log(`${p.done}/${p.total} done`));
  const result = await run.result;
  // #endregion events
  await engine.close();
  void result;
  return lines;
}

export function describeResult(result: ExecutionResult, total: Total): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // #region results
  if (result.isSuccessful()) {
    const summary: string | undefined = result.getOutput(total, 'summary'); // typed from the port
    out.summary = summary;
  } else {
    out.message = result.getErrorMessage(); // one line per failed operation
    out.stacks = result.errors.map((failure) => failure.stack); // and `failure.error`, the thrown value
  }
  out.records = result.operations.map((op) => `${op.operationId} ${op.status} after ${op.attempts} attempt(s) in ${op.durationMs} ms`);
  out.json = JSON.stringify(result); // plain data for logs, HTTP, storage (no outputs, no error objects)
  // #endregion results
  return out;
}

export async function resumeAfterFailure(): Promise<{ first: string; second: string | undefined; restored: string[]; calls: Record<string, number> }> {
  const services: Record<string, PriceService> = {
    ACME: new PriceService({ latencyMs: 1 }),
    INITECH: new PriceService({ latencyMs: 20, failures: 1, status: 404 }), // fails for good, the first time
  };
  const { graph, total } = portfolio(['ACME', 'INITECH'], (symbol) => services[symbol]!);
  // #region resume
  const store = new MemoryCheckpointStore(); // in this process; @portflow/store keeps runs in SQLite or PostgreSQL
  const engine = new ExecutionEngine();
  const first = await engine.run(graph, { store });
  console.log(first.status); // failed: fetch-INITECH got HTTP 404

  // ...the service is fixed; run again from where it stopped:
  const second = await engine.run(graph, { store, resume: 'latest' });
  console.log(second.getOutput(total, 'summary')); // 110 USD
  const restored = second.operations.filter((op) => op.restoredFrom !== undefined).map((op) => op.operationId);
  console.log(restored); // [ 'ACME', 'INITECH', 'fetch-ACME' ]: not run again
  // #endregion resume
  await engine.close();
  return { first: first.status, second: second.getOutput(total, 'summary'), restored, calls: { ACME: services.ACME!.calls, INITECH: services.INITECH!.calls } };
}
