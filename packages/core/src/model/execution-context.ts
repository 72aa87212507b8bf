import type { Logger } from '../logging/logger';

/**
 * What an operation's `execute` receives besides its inputs: who and where it
 * is, a cancellation signal, a logger and progress reporting. A fresh context
 * is made for every attempt, so nothing leaks between runs.
 *
 * @example
 * ```ts
 * async execute({ url }: Inputs<Fetch>, context: ExecutionContext): Promise<Outputs<Fetch>> {
 *   context.logger.info('fetching', { url, attempt: context.attempt });
 *   const res = await fetch(url, { signal: context.signal });
 *   context.reportProgress(1, 'downloaded');
 *   return { body: await res.text() };
 * }
 * ```
 */
export interface ExecutionContext {
  /** Id of the run this attempt belongs to. */
  readonly runId: string;
  /** Stable id of the operation. */
  readonly operationId: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /**
   * `rootRunId + '/' + operationId`, where `rootRunId` is the first run of
   * the resume chain (`runId` itself unless this run resumes another, with
   * `resume` and a store): the same for every attempt of this operation,
   * for every re-execution of an attempt (a distributed worker that died
   * mid-job has it run again elsewhere), and for every run that resumes
   * this one (or a run that resumed it), although each has its own
   * `runId`. An operation may run more than once, so make writes to the
   * outside world idempotent by this key (an upsert key, a request's
   * idempotency header). A run started without `resume` gets new keys.
   *
   * @example
   * ```ts
   * await payments.charge({ amount, idempotencyKey: context.idempotencyKey });
   * ```
   */
  readonly idempotencyKey: string;
  /** Aborts when the run is cancelled, fails fast, or this attempt times out. */
  readonly signal: AbortSignal;
  /** Structured logger bound to `runId`, `operationId` and `attempt`. */
  readonly logger: Logger;
  /** Run variables given to `engine.run(graph, { variables })`. */
  readonly variables: Readonly<Record<string, unknown>>;
  /**
   * Reports how far this operation is, `fraction` in [0, 1], with a message
   * or with `{ message, data }` (numbers such as epoch and loss, for
   * dashboards); emitted as an `OperationProgress` event, also from worker
   * threads. The CLI shows the message live.
   *
   * @example
   * ```ts
   * context.reportProgress(epoch / epochs, { message: `epoch ${epoch}`, data: { epoch, loss } });
   * ```
   */
  reportProgress(fraction: number, details?: string | ProgressDetails): void;
}

/** What a progress report may carry besides its fraction. */
export interface ProgressDetails {
  /** One line for people. */
  readonly message?: string;
  /** Structured values for programs (plain data: it may cross threads and be stored). */
  readonly data?: Readonly<Record<string, unknown>>;
}
