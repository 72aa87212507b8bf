import { backoffDelay, backoffPolicy, sleep as defaultSleep, type BackoffPolicy, type RetryOptions } from './backoff';
import { retryability, RetriesExhaustedError, ServiceError } from './errors';

/** A `fetch` as Node 20 has it (the global one by default). */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Waits `ms` milliseconds, or rejects when `signal` aborts first. */
export type SleepLike = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Options of {@link PortflowClient}. */
export interface PortflowClientOptions {
  /** The service's base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** The service's token, sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** How to retry 429s, 503s and connection failures. */
  readonly retry?: RetryOptions;
  /** The fetch to use (default: the global one). */
  readonly fetch?: FetchLike;
  /**
   * How to wait between attempts (default: a timer). Tests inject one to
   * see each wait and to decide when it ends, instead of waiting on the clock.
   */
  readonly sleep?: SleepLike;
  /** Numbers in [0, 1) for jitter (default `Math.random`). */
  readonly random?: () => number;
  /** Time limit of one request attempt, ms (default 30,000); the event stream has none. */
  readonly timeoutMs?: number;
}

/** One HTTP call of the client. @internal */
export interface CallOptions {
  /** The HTTP method. */
  readonly method: 'GET' | 'POST';
  /** The path after the base URL, with its query. */
  readonly path: string;
  /** A JSON body. */
  readonly body?: unknown;
  /** What to call it in errors, e.g. `submit to 'nightly'`. */
  readonly operation: string;
  /** True when repeating it cannot do anything twice: it is then retried after a connection reset or timeout too. */
  readonly idempotent: boolean;
  /** Extra headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Aborts the call and its waits. */
  readonly signal?: AbortSignal | undefined;
}

/** A call's answer and how many attempts it took. @internal */
export interface CallResult<T> {
  readonly value: T;
  readonly attempts: number;
}

/**
 * What the client and its event streams share: the base URL, headers, fetch,
 * and the retry loop. @internal
 */
export class Transport {
  readonly policy: BackoffPolicy;
  readonly fetch: FetchLike;
  readonly sleep: SleepLike;
  readonly random: () => number;
  readonly onRetry: RetryOptions['onRetry'];
  readonly #base: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;

  constructor(options: PortflowClientOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new TypeError(`PortflowClient: url must be an absolute URL such as http://127.0.0.1:8080, got '${options.url}'`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`PortflowClient: url must be http: or https:, got '${options.url}'`);
    this.#base = base.href.replace(/\/+$/, '');
    this.#token = options.token;
    this.policy = backoffPolicy(options.retry);
    this.onRetry = options.retry?.onRetry;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** The absolute URL of a path. */
  url(path: string): string {
    return `${this.#base}${path}`;
  }

  /** Headers every request sends. */
  headers(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    return { ...(this.#token === undefined ? {} : { authorization: `Bearer ${this.#token}` }), ...extra };
  }

  /**
   * Makes the call, retrying what may be retried: a 429 or 503 and a refused
   * connection always (nothing was created), a connection reset or timeout
   * only when the call is idempotent. Throws the {@link ServiceError} of an
   * answer that retrying cannot change, or a {@link RetriesExhaustedError}.
   */
  async call<T>(options: CallOptions): Promise<CallResult<T>> {
    const headers = this.headers({ accept: 'application/json', ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers });
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    for (let attempt = 1; ; attempt++) {
      let error: unknown;
      const timeout = AbortSignal.timeout(this.#timeoutMs);
      const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
      try {
        const response = await this.fetch(this.url(options.path), { method: options.method, headers, body, signal });
        if (response.ok) return { value: (await response.json()) as T, attempts: attempt };
        error = await serviceErrorOf(response);
      } catch (thrown) {
        if (options.signal?.aborted) throw options.signal.reason;
        error = timeout.aborted ? Object.assign(new Error(`no answer within ${this.#timeoutMs} ms`, { cause: thrown }), { code: 'ETIMEDOUT' }) : thrown;
      }
      const kind = retryability(error);
      if (kind === 'final' || (kind === 'maybe-sent' && !options.idempotent)) throw error;
      if (attempt >= this.policy.maxAttempts) throw new RetriesExhaustedError(options.operation, attempt, error);
      await this.wait(options.operation, attempt, error, 0, options.signal);
    }
  }

  /** Waits before the attempt after `attempt`, telling `onRetry` first. */
  async wait(operation: string, attempt: number, error: unknown, minimumMs: number, signal: AbortSignal | undefined): Promise<void> {
    const hint = error instanceof ServiceError ? (error.retryAfterMs ?? 0) : 0;
    const delayMs = backoffDelay(this.policy, attempt, Math.max(hint, minimumMs), this.random);
    this.onRetry?.({ operation, attempt, error, delayMs });
    await this.sleep(delayMs, signal);
  }
}

/** The {@link ServiceError} of an answer with an error status. @internal */
export async function serviceErrorOf(response: Response): Promise<ServiceError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's page): keep the text.
  }
  const fields = typeof body === 'object' && body !== null ? (body as { error?: unknown; message?: unknown; retryAfterMs?: unknown }) : {};
  const code = typeof fields.error === 'string' ? fields.error : `http_${response.status}`;
  const message = typeof fields.message === 'string' ? fields.message : `HTTP ${response.status} ${response.statusText}${typeof body === 'string' && body !== '' ? `: ${body.slice(0, 200)}` : ''}`;
  // The body's retryAfterMs is the precise hint; Retry-After is the same rounded up to whole seconds, for clients that read only headers.
  const retryAfterMs = typeof fields.retryAfterMs === 'number' && Number.isFinite(fields.retryAfterMs) && fields.retryAfterMs >= 0 ? fields.retryAfterMs : retryAfterHeaderMs(response.headers.get('retry-after'));
  return new ServiceError({ status: response.status, code, message, retryAfterMs, body });
}

/** `Retry-After` in ms: delay-seconds, or an HTTP date. */
function retryAfterHeaderMs(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
