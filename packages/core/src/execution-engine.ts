import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { filter, map, Observable, Subject } from 'rxjs';
import { InvalidOptionsError } from './errors';
import type { EngineEvent } from './events';
import type { ExecutionResult } from './execution-result';
import type { GraphDefinition } from './graph-definition';
import { silentLogger, type Logger } from './logger';
import type { OperationExecutor } from './operation-executor';
import { RESOURCE_HINTS, type ResourceHint } from './operation-settings';
import { NO_RETRY, retryPolicyProblems, type RetryPolicy } from './retry-policy';
import type { RunHandle } from './run-handle';
import { RunExecution, type FailurePolicy } from './run-execution';
import { planFor } from './run-plan';
import type { CancellationToken } from './cancellation-token';

/** Options of an {@link ExecutionEngine}; every field has a default. */
export interface EngineOptions {
  /** Most operations running at once in one run (default: unlimited). */
  maxParallel?: number;
  /** Most `cpu_bound` / `memory_bound` operations running at once (default: available parallelism). */
  cpuThreads?: number;
  /** Most `io_bound` / `network_bound` operations running at once (default: unlimited). */
  ioConcurrency?: number;
  /** Retry policy of operations that set none (default: no retry). */
  retry?: RetryPolicy;
  /** Time limit of one attempt for operations that set none (default: none). */
  timeoutMs?: number;
  /** `failFast` (default) or `continue`. */
  failurePolicy?: FailurePolicy;
  /** Parent of every operation's `context.logger` (default: silent). */
  logger?: Logger;
  /** Where operations of each resource class run (default: inline on the main thread). */
  executors?: Partial<Record<ResourceHint, OperationExecutor>>;
  /** Randomness for retry jitter, in [0, 1) (default `Math.random`); set it for reproducible tests. */
  random?: () => number;
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
  /** Overrides the engine's `maxParallel` for this run. */
  maxParallel?: number;
}

/**
 * Runs graphs. Ready operations start in topological order as soon as a slot
 * is free; failures are retried per policy; every step is an event.
 *
 * @example
 * ```ts
 * const engine = new ExecutionEngine({ maxParallel: 8, retry: { maxAttempts: 3, delaysMs: [100, 500] } });
 * const result = await engine.run(graph, { variables: { date: '2026-11-23' } });
 * console.log(result.status, result.getOutput(report, 'summary'));
 * await engine.close();
 * ```
 */
export class ExecutionEngine {
  private readonly engineEvents = new Subject<EngineEvent>();
  private readonly active = new Set<RunExecution>();
  private readonly options: Required<Omit<EngineOptions, 'timeoutMs'>> & Pick<EngineOptions, 'timeoutMs'>;
  private closed = false;

  constructor(options: EngineOptions = {}) {
    const problems = engineOptionProblems(options);
    if (problems.length > 0) throw new InvalidOptionsError('ExecutionEngine options', problems);
    this.options = {
      maxParallel: options.maxParallel ?? Infinity,
      cpuThreads: options.cpuThreads ?? availableParallelism(),
      ioConcurrency: options.ioConcurrency ?? Infinity,
      retry: options.retry ?? NO_RETRY,
      timeoutMs: options.timeoutMs,
      failurePolicy: options.failurePolicy ?? 'failFast',
      logger: options.logger ?? silentLogger,
      executors: { ...options.executors },
      random: options.random ?? Math.random,
    };
  }

  /** Events of every run of this engine; completes on `close()`. */
  get events$(): Observable<EngineEvent> {
    return this.engineEvents.asObservable();
  }

  /** Number of runs not yet settled. */
  get activeRuns(): number {
    return this.active.size;
  }

  /**
   * Starts a run and returns its handle at once. Throws (synchronously) a
   * `GraphValidationError` for an invalid graph and an `InvalidOptionsError`
   * for bad options; operation failures never throw, they are in the result.
   */
  start(graph: GraphDefinition, options: RunOptions = {}): RunHandle {
    if (this.closed) throw new InvalidOptionsError('engine state', ['the engine is closed; create a new ExecutionEngine']);
    const problems = runOptionProblems(options);
    if (problems.length > 0) throw new InvalidOptionsError('run options', problems);
    const plan = planFor(graph);
    const o = this.options;
    const execution = new RunExecution(plan, {
      runId: options.runId ?? randomUUID(),
      variables: Object.freeze({ ...options.variables }),
      maxParallel: options.maxParallel ?? o.maxParallel,
      cpuLimit: o.cpuThreads,
      ioLimit: o.ioConcurrency,
      failurePolicy: options.failurePolicy ?? o.failurePolicy,
      retry: o.retry,
      timeoutMs: o.timeoutMs,
      logger: o.logger,
      random: o.random,
      executors: o.executors,
      engineEvents: this.engineEvents,
    });
    this.active.add(execution);
    const detach = linkCancellation(execution, options);
    void execution.result.then(() => {
      detach();
      this.active.delete(execution);
    });
    queueMicrotask(() => execution.begin());
    const events$ = execution.events.asObservable();
    return {
      runId: execution.runId,
      events$,
      progress$: events$.pipe(
        filter((e) => e.type !== 'OperationStarted' && e.type !== 'OperationProgress' && e.type !== 'OperationRetrying'),
        filter((e) => e.type !== 'OperationFailed' || !e.willRetry),
        map(() => execution.progress()),
      ),
      result: execution.result,
      cancel: (reason = 'cancelled by caller') => execution.cancel(reason),
    };
  }

  /**
   * Runs a graph and resolves with its result. Rejects only for invalid
   * input (`GraphValidationError`, `InvalidOptionsError`), before anything runs.
   */
  run(graph: GraphDefinition, options: RunOptions = {}): Promise<ExecutionResult> {
    try {
      return this.start(graph, options).result;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Cancels active runs, waits for them to settle, closes executors and
   * completes `events$`. Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const runs = [...this.active];
    for (const run of runs) run.cancel('engine closed');
    await Promise.all(runs.map((r) => r.result));
    await Promise.all(Object.values(this.options.executors).map((e) => e?.close?.()));
    this.engineEvents.complete();
  }

  /** `await using engine = new ExecutionEngine()` closes it at scope end. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function linkCancellation(execution: RunExecution, options: RunOptions): () => void {
  const signals = [options.signal, options.cancellationToken?.signal].filter((s): s is AbortSignal => s !== undefined);
  const listeners: (() => void)[] = [];
  for (const signal of signals) {
    const reason = (): string => (signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted'));
    if (signal.aborted) {
      execution.cancel(reason());
      continue;
    }
    const onAbort = (): void => execution.cancel(reason());
    signal.addEventListener('abort', onAbort, { once: true });
    listeners.push(() => signal.removeEventListener('abort', onAbort));
  }
  return () => listeners.forEach((remove) => remove());
}

function isLimit(value: unknown): boolean {
  return value === Infinity || (typeof value === 'number' && Number.isInteger(value) && value >= 1);
}

function engineOptionProblems(options: EngineOptions): string[] {
  const problems: string[] = [];
  for (const key of ['maxParallel', 'cpuThreads', 'ioConcurrency'] as const) {
    if (options[key] !== undefined && !isLimit(options[key])) problems.push(`${key} must be a whole number >= 1 or Infinity (got ${String(options[key])})`);
  }
  if (options.retry !== undefined) problems.push(...retryPolicyProblems(options.retry).map((p) => `retry.${p}`));
  if (options.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
    problems.push(`timeoutMs must be a number > 0 (got ${String(options.timeoutMs)})`);
  }
  if (options.failurePolicy !== undefined && options.failurePolicy !== 'failFast' && options.failurePolicy !== 'continue') {
    problems.push(`failurePolicy must be 'failFast' or 'continue' (got ${String(options.failurePolicy)})`);
  }
  for (const key of Object.keys(options.executors ?? {})) {
    if (!RESOURCE_HINTS.includes(key as ResourceHint)) problems.push(`executors.${key} is not a resource hint; use one of ${RESOURCE_HINTS.join(', ')}`);
  }
  return problems;
}

function runOptionProblems(options: RunOptions): string[] {
  const problems: string[] = [];
  if (options.maxParallel !== undefined && !isLimit(options.maxParallel)) {
    problems.push(`maxParallel must be a whole number >= 1 or Infinity (got ${String(options.maxParallel)})`);
  }
  if (options.failurePolicy !== undefined && options.failurePolicy !== 'failFast' && options.failurePolicy !== 'continue') {
    problems.push(`failurePolicy must be 'failFast' or 'continue' (got ${String(options.failurePolicy)})`);
  }
  if (options.runId !== undefined && (typeof options.runId !== 'string' || options.runId.length === 0)) {
    problems.push('runId must be a non-empty string');
  }
  return problems;
}
