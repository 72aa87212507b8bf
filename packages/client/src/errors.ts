/**
 * The service answered with an error status. `code` is the body's `error`
 * (`queue_full`, `unknown_workflow`, `invalid_params`, `unauthorized`,
 * `not_found`, `workflow_busy`, `closing`...), `message` its `message`.
 *
 * @example
 * ```ts
 * try {
 *   await client.submit('nightly', { day: 'monday' });
 * } catch (error) {
 *   if (error instanceof ServiceError && error.code === 'invalid_params') console.error(error.message);
 *   else throw error;
 * }
 * ```
 */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  /** The HTTP status, e.g. 404. */
  readonly status: number;
  /** The body's `error` code, or `http_<status>` when the body had none. */
  readonly code: string;
  /**
   * The wait the service asked for before trying again, in ms: the body's
   * `retryAfterMs`, or else the `Retry-After` header (seconds or a date),
   * when it gave one.
   */
  readonly retryAfterMs: number | undefined;
  /** The parsed body (or its text when it was not JSON). */
  readonly body: unknown;

  /** @param init - what the service answered. */
  constructor(init: { status: number; code: string; message: string; retryAfterMs?: number | undefined; body?: unknown }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.retryAfterMs = init.retryAfterMs;
    this.body = init.body;
  }
}

/**
 * A call gave up after its retries ran out. `attempts` says how many HTTP
 * attempts were made and `cause` is the last one's error (a
 * {@link ServiceError}, or the network error fetch threw).
 */
export class RetriesExhaustedError extends Error {
  override readonly name = 'RetriesExhaustedError';
  /** HTTP attempts made. */
  readonly attempts: number;

  /**
   * @param what - the call, e.g. `submit to 'nightly'`.
   * @param attempts - attempts made.
   * @param cause - the last attempt's error.
   */
  constructor(what: string, attempts: number, cause: unknown) {
    super(`${what} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}; last error: ${describeError(cause)}`, { cause });
    this.attempts = attempts;
  }
}

/**
 * Connection errors that prove the request never reached the service:
 * retrying them cannot create anything twice.
 */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Connection errors after which the request may or may not have been
 * handled: retried only when the call is idempotent (a submission with its
 * idempotency key, a read).
 */
const MAYBE_SENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_ABORTED']);

/**
 * The code of a network error (`ECONNREFUSED`, `ECONNRESET`,
 * `UND_ERR_SOCKET`...), found on the error or along its `cause` chain (Node's
 * fetch throws `TypeError('fetch failed')` with the socket error as `cause`);
 * undefined for anything else.
 */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (NOT_SENT_CODES.has(code) || MAYBE_SENT_CODES.has(code))) return code;
    // AggregateError (happy eyeballs: one error per address tried).
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      const codes = errors.map(networkErrorCode);
      const found = codes.find((c) => c !== undefined && NOT_SENT_CODES.has(c)) ?? codes.find((c) => c !== undefined);
      if (found !== undefined) return found;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** How a failed attempt may be retried. */
export type Retryability =
  /** Nothing reached the service, or it created nothing (429, 503, connection refused): always safe. */
  | 'not-sent'
  /** The request may have been handled (connection reset or timed out): safe with an idempotency key. */
  | 'maybe-sent'
  /** Retrying cannot help (400, 401, 404, 409...). */
  | 'final';

/** Classifies an attempt's error for the retry loop. */
export function retryability(error: unknown): Retryability {
  if (error instanceof ServiceError) return error.status === 429 || error.status === 503 ? 'not-sent' : 'final';
  const code = networkErrorCode(error);
  if (code === undefined) return 'final';
  return NOT_SENT_CODES.has(code) ? 'not-sent' : 'maybe-sent';
}

/** One line about an error: its code, message and its cause's. */
export function describeError(error: unknown): string {
  if (error instanceof ServiceError) return `HTTP ${error.status} ${error.code}: ${error.message}`;
  // Duck-typed: fetch's errors may come from another realm (a VM context, jest), where instanceof Error fails.
  const message = messageOf(error);
  if (message === undefined) return String(error);
  const code = networkErrorCode(error);
  const causeMessage = messageOf((error as { cause?: unknown }).cause);
  const cause = causeMessage !== undefined && causeMessage !== message ? ` (${causeMessage})` : '';
  return `${code === undefined ? '' : `${code}: `}${message}${cause}`;
}

function messageOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string' ? (value as { message: string }).message : undefined;
}
