/**
 * How an operation is retried after a failed attempt. Plain data (but for
 * `retryOn`), so it can come from YAML or JSON.
 *
 * Delays come from `delaysMs` when given (the last entry repeats), otherwise
 * from exponential backoff: `initialDelayMs * multiplier^(n-1)`, spread by
 * `jitter`, capped at `maxDelayMs`. A timeout counts as a failure like any
 * other, so it is retried unless `retryOn` says otherwise.
 *
 * @example
 * ```ts
 * const explicit: RetryPolicy = { maxAttempts: 4, delaysMs: [100, 500, 2000] };
 * const backoff: RetryPolicy = { maxAttempts: 5, initialDelayMs: 50, multiplier: 2, maxDelayMs: 1000, jitter: 0.2 };
 * const onlyTransient: RetryPolicy = { maxAttempts: 3, retryOn: (e) => !(e instanceof TypeError) };
 * ```
 */
export interface RetryPolicy {
  /** Total attempts including the first (1 = no retry). */
  maxAttempts: number;
  /** Explicit delays before the 2nd, 3rd, ... attempt. */
  delaysMs?: readonly number[];
  /** First backoff delay (default 100 ms). */
  initialDelayMs?: number;
  /** Backoff growth factor (default 2). */
  multiplier?: number;
  /** Upper bound of a backoff delay, jitter included (default 30 s); not applied to `delaysMs`. */
  maxDelayMs?: number;
  /**
   * Random spread as a fraction of the delay, 0..1 (default 0): each delay
   * becomes delay * (1 + jitter * (2r - 1)) for r from the engine's `random`.
   * Applies to `delaysMs` and to backoff.
   */
  jitter?: number;
  /**
   * Whether an error is worth another attempt (default: every error,
   * timeouts included). Return false for errors that will not go away.
   */
  retryOn?: (error: unknown, attempt: number) => boolean;
}

/** The policy used when none is given: one attempt, no retry. */
export const NO_RETRY: Readonly<RetryPolicy> = Object.freeze({ maxAttempts: 1 });

/**
 * Problems with a retry policy, as sentences; empty when it is valid.
 * @internal
 */
export function retryPolicyProblems(policy: RetryPolicy): string[] {
  if (typeof policy !== 'object' || policy === null) return [`the retry policy must be an object like { maxAttempts: 3 } (got ${String(policy)})`];
  const problems: string[] = [];
  const { maxAttempts, delaysMs, initialDelayMs, multiplier, maxDelayMs, jitter } = policy;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    problems.push(`maxAttempts must be a whole number >= 1 (got ${String(maxAttempts)})`);
  }
  if (delaysMs !== undefined && (!Array.isArray(delaysMs) || delaysMs.length === 0 || delaysMs.some((d) => !(Number.isFinite(d) && d >= 0)))) {
    problems.push(`delaysMs must be a non-empty list of numbers >= 0; leave it out for exponential backoff (got ${JSON.stringify(delaysMs)})`);
  }
  for (const [key, value] of [
    ['initialDelayMs', initialDelayMs],
    ['maxDelayMs', maxDelayMs],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) problems.push(`${key} must be a number >= 0 (got ${String(value)})`);
  }
  if (multiplier !== undefined && !(Number.isFinite(multiplier) && multiplier >= 1)) {
    problems.push(`multiplier must be a number >= 1 (got ${String(multiplier)})`);
  }
  if (jitter !== undefined && !(Number.isFinite(jitter) && jitter >= 0 && jitter <= 1)) {
    problems.push(`jitter must be a number from 0 to 1 (got ${String(jitter)})`);
  }
  if (policy.retryOn !== undefined && typeof policy.retryOn !== 'function') {
    problems.push('retryOn must be a function (error, attempt) => boolean');
  }
  return problems;
}

/**
 * The delay before the attempt after `failedAttempt` (1-based).
 *
 * @param random - source of randomness for jitter, in [0, 1).
 * @example
 * ```ts
 * retryDelay({ maxAttempts: 4, delaysMs: [100, 500] }, 3); // 500
 * retryDelay({ maxAttempts: 4, initialDelayMs: 10, multiplier: 3 }, 2); // 30
 * ```
 */
export function retryDelay(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const jitter = policy.jitter ?? 0;
  const spread = (delay: number): number => (jitter > 0 ? delay * (1 + jitter * (2 * random() - 1)) : delay);
  const explicit = policy.delaysMs;
  let delay: number;
  if (explicit !== undefined && explicit.length > 0) {
    delay = spread(explicit[Math.min(failedAttempt, explicit.length) - 1]!);
  } else {
    const initial = policy.initialDelayMs ?? 100;
    const multiplier = policy.multiplier ?? 2;
    const maxDelay = policy.maxDelayMs ?? 30_000;
    delay = Math.min(spread(Math.min(initial * multiplier ** (failedAttempt - 1), maxDelay)), maxDelay);
  }
  return Math.max(0, Math.round(delay));
}
