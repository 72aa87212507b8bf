import type { RetryPolicy } from './retry-policy';

/**
 * Where an operation's work is best run. The engine limits `cpu_bound` and
 * `memory_bound` operations and `io_bound` and `network_bound` operations
 * separately, so neither kind starves the other.
 */
export type ResourceHint = 'cpu_bound' | 'io_bound' | 'network_bound' | 'memory_bound';

/** The resource hints, for validation and tooling. */
export const RESOURCE_HINTS: readonly ResourceHint[] = Object.freeze(['cpu_bound', 'io_bound', 'network_bound', 'memory_bound']);

/** Per-operation execution settings (all optional; engine defaults apply). */
export interface OperationSettings {
  /** Retry policy for this operation; overrides the engine's default. */
  retry?: RetryPolicy;
  /** Time limit of one attempt in milliseconds; overrides the engine's default. */
  timeoutMs?: number;
  /** Resource class (default `io_bound`). */
  resource?: ResourceHint;
  /** Human-readable description, shown by tooling. */
  description?: string;
  /**
   * Name of the engine executor that runs this operation (`'gpu'`,
   * `'remote'`), overriding the one chosen by `resource`. The engine must
   * have an executor of that name (`new ExecutionEngine({ executors: { gpu } })`);
   * validation before the run says so when it has not.
   */
  executor?: string;
  /**
   * Reuse a result of an earlier run when this operation's cache key (its
   * type, version, params and the content of its inputs) matches one the
   * run's checkpoint store holds: `true`, or `{ ttlMs }` to accept only
   * results younger than that. Needs a store (`engine.run(graph, { store })`);
   * without one it does nothing. A resumed run restores completed operations
   * whether or not they set this.
   */
  cache?: boolean | CacheSetting;
}

/** The `cache` setting with an age limit. */
export interface CacheSetting {
  /** Reuse only results stored at most this many milliseconds ago. */
  readonly ttlMs: number;
}
