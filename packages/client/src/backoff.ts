/** Why the client is about to wait and try again; see {@link RetryOptions.onRetry}. */
export interface RetryInfo {
  /** The call, e.g. `submit to 'nightly'` or `events of <id>`. */
  readonly operation: string;
  /** The attempt that failed (1 for the first). */
  readonly attempt: number;
  /** Its error: a {@link ServiceError} (429, 503) or a network error. */
  readonly error: unknown;
  /** How long the client waits before the next attempt, ms. */
  readonly delayMs: number;
}

/** How the client retries: exponential backoff with full jitter. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 8). 1 turns retries off. */
  readonly maxAttempts?: number;
  /** The cap of the first retry's wait, ms (default 100); it doubles for each retry after. */
  readonly baseDelayMs?: number;
  /** The largest cap of a wait, ms (default 10,000). A longer `Retry-After` is still honoured. */
  readonly maxDelayMs?: number;
  /** The factor between caps of successive waits (default 2). */
  readonly multiplier?: number;
  /** Called before each wait; for metrics and logs. */
  readonly onRetry?: (info: RetryInfo) => void;
}

/** {@link RetryOptions} with the defaults filled in. */
export interface BackoffPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** The cap of the first retry's wait, ms. */
  readonly baseDelayMs: number;
  /** The largest cap of a wait, ms. */
  readonly maxDelayMs: number;
  /** The factor between caps of successive waits. */
  readonly multiplier: number;
}

/** The defaults of {@link RetryOptions}. */
export const DEFAULT_BACKOFF: BackoffPolicy = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 10_000, multiplier: 2 };

/** Fills in the defaults and checks the values. */
export function backoffPolicy(options: RetryOptions = {}): BackoffPolicy {
  const policy: BackoffPolicy = {
    maxAttempts: options.maxAttempts ?? DEFAULT_BACKOFF.maxAttempts,
    baseDelayMs: options.baseDelayMs ?? DEFAULT_BACKOFF.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs,
    multiplier: options.multiplier ?? DEFAULT_BACKOFF.multiplier,
  };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  for (const key of ['baseDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(policy[key]) || policy[key] < 0) throw new RangeError(`retry.${key} must be a number >= 0, got ${policy[key]}`);
  }
  if (!Number.isFinite(policy.multiplier) || policy.multiplier < 1) throw new RangeError(`retry.multiplier must be a number >= 1, got ${policy.multiplier}`);
  return policy;
}

/**
 * The wait before retry number `retry` (1 for the first retry): full jitter,
 * a uniformly random time between 0 and
 * `min(maxDelayMs, baseDelayMs * multiplier^(retry - 1))`, but never less
 * than `minimumMs` (the server's `Retry-After`), which may exceed the cap.
 *
 * @param random - a source of numbers in [0, 1), `Math.random` by default.
 */
export function backoffDelay(policy: BackoffPolicy, retry: number, minimumMs = 0, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.multiplier ** Math.max(0, retry - 1));
  const jittered = Math.floor(random() * cap);
  return Math.max(minimumMs, jittered);
}

/**
 * Waits `ms` milliseconds; rejects with the signal's reason (and clears its
 * timer) when `signal` aborts first. The client's default `sleep`.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
