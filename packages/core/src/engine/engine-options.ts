import { RESOURCE_HINTS, type ResourceHint } from '../model/operation-settings';
import { retryPolicyProblems, type RetryPolicy } from '../model/retry-policy';
import { describeValue } from '../model/ports/port-type';
import type { CheckpointStore } from '../durability/checkpoint-store';
import type { ValueCodec } from '../values/value-codec';
import type { GraphDefinition } from '../graph/graph-definition';
import { EXECUTOR_NAME } from '../graph/graph-analysis';
import type { Logger } from '../logging/logger';
import type { CancellationToken } from './cancellation-token';
import type { OperationExecutor } from './operation-executor';
import type { FailurePolicy } from './run-execution';

/**
 * The engine's executors, keyed by resource hint or by executor name.
 *
 * @example
 * ```ts
 * const executors: ExecutorMap = { cpu_bound: workerPool, gpu: gpuQueue };
 * ```
 */
export type ExecutorMap = { readonly [K in ResourceHint]?: OperationExecutor } & { readonly [name: string]: OperationExecutor | undefined };

/** Options of an {@link ExecutionEngine}; every field has a default. */
export interface EngineOptions {
  /** Most operations running at once, all runs of this engine together (default: unlimited). */
  maxParallel?: number;
  /** Most `cpu_bound` / `memory_bound` operations running at once, all runs together (default: available parallelism). */
  cpuThreads?: number;
  /** Most `io_bound` / `network_bound` operations running at once, all runs together (default: unlimited). */
  ioConcurrency?: number;
  /** Retry policy of operations that set none (default: no retry). */
  retry?: RetryPolicy;
  /** Time limit of one attempt for operations that set none (default: none). */
  timeoutMs?: number;
  /** `failFast` (default) or `continue`. */
  failurePolicy?: FailurePolicy;
  /** Parent of every operation's `context.logger` (default: silent). */
  logger?: Logger;
  /**
   * Where operations run, by key: a resource hint (`cpu_bound`: every
   * operation of that class without an `executor` setting) or a name that
   * operations choose with their `executor` setting (`gpu`, `remote`).
   * Operations with neither run inline on the main thread.
   */
  executors?: ExecutorMap;
  /** Randomness for retry jitter, in [0, 1) (default `Math.random`); set it for reproducible tests. */
  random?: () => number;
  /**
   * Deep-freeze plain objects and arrays that cross ports, so an operation
   * that mutates its input fails loudly (a TypeError in strict mode) instead
   * of corrupting what other consumers see. Values crossing ports are
   * immutable by contract; this enforces it. Default: on when `NODE_ENV` is
   * `development` or `test`, off otherwise (freezing costs a walk of each value).
   */
  freezeValues?: boolean;
  /** How outputs are encoded for checkpoint stores (default {@link v8Codec}). */
  codec?: ValueCodec;
}

/** Options of one run. */
export interface RunOptions {
  /** The run's id (default: a random UUID). */
  runId?: string;
  /** Values every operation sees as `context.variables`. */
  variables?: Record<string, unknown>;
  /** Cancels the run when it aborts. */
  signal?: AbortSignal;
  /** Cancels the run when cancelled. */
  cancellationToken?: CancellationToken;
  /** Overrides the engine's failure policy for this run. */
  failurePolicy?: FailurePolicy;
  /** Most operations of this run running at once, within the engine's `maxParallel` (default: the engine's). */
  maxParallel?: number;
  /**
   * Keep every operation's outputs until the run ends, so `result.getOutput`
   * works for all of them (default false: an output is released once every
   * consumer has read it, unless it is a graph output, a leaf, or asked for
   * with `run.output()`).
   */
  retainOutputs?: boolean;
  /** Values of the graph's declared inputs (`graph.input(name)`), by name. */
  inputs?: object;
  /**
   * Where the run records its progress (each operation's outcome and
   * encoded outputs, and its events), so that a later run can resume it:
   * `@portflow/store` on SQLite or PostgreSQL, or a `MemoryCheckpointStore`.
   * Give operations explicit ids (`requireIds`) when runs are resumed
   * across edits of the graph: records are keyed by operation id.
   */
  store?: CheckpointStore;
  /**
   * Resume a run recorded in `store`: its id, or `'latest'` (the newest run
   * of the same graph name that did not succeed; with `rerun`, the newest
   * run whatever its outcome). Operations it completed are restored, not run,
   * when their cache key (type, version, params, input contents) still
   * matches; the rest run.
   */
  resume?: string;
  /**
   * Ids of operations to run again although `resume` could restore them;
   * everything downstream of them runs again too.
   */
  rerun?: readonly string[];
  /**
   * When the run hands its operation records and events to `store` (the
   * modes of Parsl's checkpointing): `'operation'` (the default) as each
   * operation settles; `{ everyMs }` in a batch at that interval, so a crash
   * loses at most the last interval's work; `'manual'` when you call
   * `run.checkpoint()`; `'off'`: not at all (the run is still recorded as a
   * run, and `cache` lookups still read the store, but a resume of it runs
   * everything again). Except with `'off'`, whatever is held is handed over
   * when the run ends.
   */
  checkpoint?: CheckpointMode;
}

/** When a run hands its records to its store: see {@link RunOptions.checkpoint}. */
export type CheckpointMode = 'operation' | 'manual' | 'off' | { readonly everyMs: number };

/**
 * The options argument of `run` / `start` for a graph with inputs `I`:
 * required, with every input, when the graph declares inputs.
 */
export type RunArguments<I extends object> = [keyof I] extends [never] ? [options?: RunOptions] : [options: RunOptions & { inputs: I }];

/** A short description of a value's kind for messages. @internal */
export function describeKind(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object') return typeof value;
  return (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
}

function isLimit(value: unknown): boolean {
  return value === Infinity || (typeof value === 'number' && Number.isInteger(value) && value >= 1);
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return typeof value === 'object' && value !== null && typeof (value as AbortSignal).aborted === 'boolean' && typeof (value as AbortSignal).addEventListener === 'function';
}

function failurePolicyProblem(value: unknown): string[] {
  return value === undefined || value === 'failFast' || value === 'continue' ? [] : [`failurePolicy must be 'failFast' or 'continue' (got ${String(value)})`];
}

/** Every problem of engine options, one sentence each. @internal */
export function engineOptionProblems(options: EngineOptions): string[] {
  if (!isPlainObject(options)) return [`options must be an object (got ${describeKind(options)})`];
  const problems: string[] = [];
  for (const key of ['maxParallel', 'cpuThreads', 'ioConcurrency'] as const) {
    if (options[key] !== undefined && !isLimit(options[key])) problems.push(`${key} must be a whole number >= 1 or Infinity (got ${String(options[key])})`);
  }
  if (options.retry !== undefined) problems.push(...retryPolicyProblems(options.retry).map((p) => `retry.${p}`));
  if (options.timeoutMs !== undefined && !(typeof options.timeoutMs === 'number' && Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
    problems.push(`timeoutMs must be a number > 0 (got ${String(options.timeoutMs)})`);
  }
  problems.push(...failurePolicyProblem(options.failurePolicy));
  if (options.logger !== undefined) {
    const logger = options.logger as unknown as Record<string, unknown> | null;
    const missing = ['debug', 'info', 'warn', 'error', 'child'].filter((m) => typeof logger?.[m] !== 'function');
    if (missing.length > 0) problems.push(`logger must have the methods debug, info, warn, error and child (missing ${missing.join(', ')})`);
  }
  if (options.random !== undefined && typeof options.random !== 'function') problems.push('random must be a function returning a number in [0, 1)');
  if (options.freezeValues !== undefined && typeof options.freezeValues !== 'boolean') problems.push('freezeValues must be true or false');
  if (options.codec !== undefined && !(typeof options.codec?.encode === 'function' && typeof options.codec?.decode === 'function' && typeof options.codec?.format === 'string')) {
    problems.push(`codec must be a ValueCodec with format, encode and decode (got ${describeKind(options.codec)})`);
  }
  if (options.executors !== undefined) {
    if (!isPlainObject(options.executors)) problems.push('executors must be an object keyed by resource hint');
    else {
      for (const [key, executor] of Object.entries(options.executors)) {
        if (!EXECUTOR_NAME.test(key)) problems.push(`executors.${key}: an executor's key is a resource hint (${RESOURCE_HINTS.join(', ')}) or a name of letters, digits and _ . : -`);
        else if (typeof (executor as { execute?: unknown } | undefined)?.execute !== 'function') problems.push(`executors.${key} must have an execute(operation, inputs, context) method`);
      }
    }
  }
  return problems;
}

/** What is wrong with the inputs given for a graph's declared inputs. @internal */
export function graphInputProblems(graph: GraphDefinition<object, object>, given: RunOptions['inputs']): string[] {
  const declared = graph.inputs;
  const values = (given ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  const names = [...declared.keys()].map((n) => `'${n}'`).join(', ');
  for (const key of Object.keys(values)) {
    if (!declared.has(key)) problems.push(`unknown input '${key}': the graph declares ${names || 'no inputs'} (graph.input(name, type) declares one)`);
  }
  for (const [name, source] of declared) {
    if (!Object.prototype.hasOwnProperty.call(values, name)) {
      problems.push(`missing input '${name}': pass it as run(graph, { inputs: { ${name}: ... } })`);
      continue;
    }
    const test = source.check.test;
    if (test !== null && !test(values[name])) problems.push(`input '${name}' must be ${source.check.name} (got ${describeValue(values[name])})`);
  }
  return problems;
}

/** Every problem of run options, one sentence each. @internal */
export function runOptionProblems(options: RunOptions): string[] {
  if (!isPlainObject(options)) return [`options must be an object (got ${describeKind(options)})`];
  const problems: string[] = [];
  if (options.maxParallel !== undefined && !isLimit(options.maxParallel)) {
    problems.push(`maxParallel must be a whole number >= 1 or Infinity (got ${String(options.maxParallel)})`);
  }
  problems.push(...failurePolicyProblem(options.failurePolicy));
  if (options.runId !== undefined && (typeof options.runId !== 'string' || options.runId.length === 0)) {
    problems.push('runId must be a non-empty string');
  }
  if (options.inputs !== undefined && !isPlainObject(options.inputs)) {
    problems.push(`inputs must be an object of input name: value (got ${describeKind(options.inputs)})`);
  }
  if (options.retainOutputs !== undefined && typeof options.retainOutputs !== 'boolean') problems.push('retainOutputs must be true or false');
  if (options.variables !== undefined && !isPlainObject(options.variables)) {
    problems.push(`variables must be an object (got ${describeKind(options.variables)})`);
  }
  if (options.signal !== undefined && !isAbortSignal(options.signal)) {
    problems.push(`signal must be an AbortSignal (got ${describeKind(options.signal)})`);
  }
  if (options.cancellationToken !== undefined && !isAbortSignal((options.cancellationToken as { signal?: unknown } | null)?.signal)) {
    problems.push(`cancellationToken must be a CancellationToken (got ${describeKind(options.cancellationToken)})`);
  }
  if (options.store !== undefined && typeof (options.store as { openRun?: unknown } | null)?.openRun !== 'function') {
    problems.push(`store must be a CheckpointStore, with an openRun method (got ${describeKind(options.store)})`);
  }
  if (options.resume !== undefined) {
    if (typeof options.resume !== 'string' || options.resume.length === 0) problems.push(`resume must be a run id or 'latest' (got ${describeKind(options.resume)})`);
    else if (options.store === undefined) problems.push('resume needs a store: engine.run(graph, { store, resume })');
  }
  if (options.rerun !== undefined) {
    if (!Array.isArray(options.rerun) || !options.rerun.every((id) => typeof id === 'string')) problems.push('rerun must be a list of operation ids');
    else if (options.resume === undefined) problems.push("rerun needs resume: the run whose other results to reuse (a run id, or 'latest')");
  }
  if (options.checkpoint !== undefined) {
    const mode: unknown = options.checkpoint;
    const everyMs = isPlainObject(mode) ? (mode as { everyMs?: unknown }).everyMs : undefined;
    const known = mode === 'operation' || mode === 'manual' || mode === 'off' || (typeof everyMs === 'number' && Number.isFinite(everyMs) && everyMs > 0);
    if (!known) problems.push(`checkpoint must be 'operation', 'manual', 'off' or { everyMs: n } with n > 0 (got ${typeof mode === 'string' ? `'${mode}'` : isPlainObject(mode) ? JSON.stringify(mode) : describeKind(mode)})`);
    else if (options.store === undefined) problems.push('checkpoint needs a store: engine.run(graph, { store, checkpoint })');
  }
  return problems;
}
