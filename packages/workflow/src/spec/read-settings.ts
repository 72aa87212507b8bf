import type { EngineOptions, RetryPolicy } from '@portflow/core';
import type { FieldReader } from './fields';
import { describe } from './fields';
import type { NodePath } from './workflow-spec';

/** Keys of the top-level `settings` mapping. @internal */
export const SETTINGS_KEYS = ['engine', 'max_parallel', 'cpu_threads', 'io_threads', 'retry_policy', 'timeout', 'failure_policy'] as const;

/** Keys of a retry policy (`settings.retry_policy` and a step's `retry`). @internal */
export const RETRY_KEYS = ['max_attempts', 'backoff_ms', 'initial_delay_ms', 'multiplier', 'max_delay_ms', 'jitter'] as const;

/** Values of `settings.failure_policy`. @internal */
export const FAILURE_POLICIES = ['fail_fast', 'continue'] as const;

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Reads `settings` into engine options. @internal */
export function readEngineSettings(fields: FieldReader, value: unknown, path: NodePath): EngineOptions {
  if (value === undefined || value === null) return {};
  const settings = fields.mapping(value, path, 'settings', 'settings: { max_parallel: 4 }');
  if (settings === undefined) return {};
  fields.knownKeys(settings, path, SETTINGS_KEYS, 'settings', { workflow_io_threads: "use 'io_threads'", workflow_cpu_threads: "use 'cpu_threads'" });
  if (settings.engine !== undefined) {
    // Workflows written for other runners name theirs; Portflow has one engine, so the key is read and ignored.
    fields.notice({
      code: 'ignored-setting',
      message: `Setting 'engine' (${JSON.stringify(settings.engine)}) is ignored: Portflow has one engine.`,
      hint: 'remove it to silence this notice',
      path: [...path, 'engine'],
      at: 'key',
    });
  }
  const options: EngineOptions = {};
  if (settings.max_parallel !== undefined) options.maxParallel = fields.integer(settings.max_parallel, [...path, 'max_parallel'], 'settings max_parallel', 1);
  if (settings.cpu_threads !== undefined) options.cpuThreads = fields.integer(settings.cpu_threads, [...path, 'cpu_threads'], 'settings cpu_threads', 1);
  if (settings.io_threads !== undefined) options.ioConcurrency = fields.integer(settings.io_threads, [...path, 'io_threads'], 'settings io_threads', 1);
  if (settings.retry_policy !== undefined) options.retry = readRetry(fields, settings.retry_policy, [...path, 'retry_policy'], 'settings retry_policy');
  if (settings.timeout !== undefined) options.timeoutMs = readDuration(fields, settings.timeout, [...path, 'timeout'], 'settings timeout');
  if (settings.failure_policy !== undefined) {
    const policy = fields.choice(settings.failure_policy, [...path, 'failure_policy'], 'settings failure_policy', FAILURE_POLICIES);
    if (policy !== undefined) options.failurePolicy = policy === 'fail_fast' ? 'failFast' : 'continue';
  }
  return dropUndefined(options);
}

/**
 * Reads a retry policy: a mapping with `max_attempts` and either
 * `backoff_ms` (explicit delays) or exponential backoff fields, or a bare
 * number of attempts. @internal
 */
export function readRetry(fields: FieldReader, value: unknown, path: NodePath, what: string): RetryPolicy | undefined {
  if (typeof value === 'number') {
    const maxAttempts = fields.integer(value, path, `${what} (attempts)`, 1);
    return maxAttempts === undefined ? undefined : { maxAttempts };
  }
  const retry = fields.mapping(value, path, what, `${what.split(' ').pop()}: { max_attempts: 3, backoff_ms: [100, 500] }`);
  if (retry === undefined) return undefined;
  fields.knownKeys(retry, path, RETRY_KEYS, what);
  const attempts = fields.required(retry, 'max_attempts', path, what, 'max_attempts: 3');
  const maxAttempts = attempts === undefined ? undefined : fields.integer(attempts, [...path, 'max_attempts'], `${what} max_attempts`, 1);
  let delaysMs: number[] | undefined;
  let valid = maxAttempts !== undefined;
  if (retry.backoff_ms !== undefined) {
    const delays = Array.isArray(retry.backoff_ms) ? retry.backoff_ms : [retry.backoff_ms];
    delaysMs = [];
    delays.forEach((d, i) => {
      const ms = fields.number(d, Array.isArray(retry.backoff_ms) ? [...path, 'backoff_ms', i] : [...path, 'backoff_ms'], `${what} backoff_ms entry`, 0);
      if (ms === undefined) valid = false;
      else delaysMs!.push(ms);
    });
  }
  // A policy with a reported problem is left out rather than passed on half-read.
  if (!valid || maxAttempts === undefined) return undefined;
  return dropUndefined({
    maxAttempts,
    delaysMs,
    initialDelayMs: retry.initial_delay_ms === undefined ? undefined : fields.number(retry.initial_delay_ms, [...path, 'initial_delay_ms'], `${what} initial_delay_ms`, 0),
    multiplier: retry.multiplier === undefined ? undefined : fields.number(retry.multiplier, [...path, 'multiplier'], `${what} multiplier`, 1),
    maxDelayMs: retry.max_delay_ms === undefined ? undefined : fields.number(retry.max_delay_ms, [...path, 'max_delay_ms'], `${what} max_delay_ms`, 0),
    jitter: retry.jitter === undefined ? undefined : fields.number(retry.jitter, [...path, 'jitter'], `${what} jitter`, 0, 1),
  }) as RetryPolicy;
}

/** Reads a duration: milliseconds as a number, or a string such as `500ms`, `30s`, `2m`, `1h`. @internal */
export function readDuration(fields: FieldReader, value: unknown, path: NodePath, what: string): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  const match = typeof value === 'string' ? DURATION.exec(value.trim()) : null;
  if (match !== null && Number(match[1]) > 0) return Number(match[1]) * UNIT_MS[match[2]!]!;
  fields.report({
    code: 'invalid-field',
    message: `${what.charAt(0).toUpperCase()}${what.slice(1)} must be a positive duration, not ${describe(value)}.`,
    hint: "give milliseconds (5000) or a number with a unit: '500ms', '30s', '2m', '1h'",
    path,
  });
  return undefined;
}

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}
