import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { filter, map, type Observable, Subject } from 'rxjs';
import { GraphValidationError, InvalidOptionsError, UnknownOperationError } from '../errors/errors';
import { Operation } from '../model/operation';
import { describeValue } from '../model/ports/port-type';
import type { ExecutorProblem } from '../graph/graph-problem';
import type { EngineEvent } from '../events/events';
import type { ExecutionResult } from '../results/execution-result';
import { GraphDefinition } from '../graph/graph-definition';
import { EXECUTOR_NAME } from '../graph/graph-analysis';
import { silentLogger, type Logger } from '../logging/logger';
import type { OperationExecutor } from './operation-executor';
import { RESOURCE_HINTS, type ResourceHint } from '../model/operation-settings';
import { NO_RETRY, retryPolicyProblems, type RetryPolicy } from '../model/retry-policy';
import type { RunHandle } from './run-handle';
import { RunExecution, type FailurePolicy } from './run-execution';
import { planFor, type RunPlan } from './run-plan';
import { SlotPool } from './slot-pool';
import type { CancellationToken } from './cancellation-token';

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
}

/**
 * The options argument of `run` / `start` for a graph with inputs `I`:
 * required, with every input, when the graph declares inputs.
 */
export type RunArguments<I extends object> = [keyof I] extends [never] ? [options?: RunOptions] : [options: RunOptions & { inputs: I }];

/**
 * Runs graphs. Ready operations start in topological order as soon as a slot
 * is free (slots are shared by every run of the engine); failures are retried
 * per policy; every step is an event.
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
  private readonly options: Required<Omit<EngineOptions, 'timeoutMs' | 'executors'>> & Pick<EngineOptions, 'timeoutMs'> & { executors: ExecutorMap };
  private readonly pool: SlotPool;
  private closed = false;
  /** Plans whose operations this engine's executors accepted. */
  private readonly acceptedPlans = new WeakSet<RunPlan>();

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
      freezeValues: options.freezeValues ?? (process.env.NODE_ENV === 'development' || process.env.NODE_ENV === 'test'),
    };
    this.pool = new SlotPool(this.options);
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
  start<I extends object, O extends object>(graph: GraphDefinition<I, O>, ...[given]: RunArguments<I>): RunHandle<O> {
    const options: RunOptions = given ?? {};
    if (this.closed) throw new InvalidOptionsError('engine state', ['the engine is closed; create a new ExecutionEngine']);
    if (!(graph instanceof GraphDefinition)) {
      throw new InvalidOptionsError('run arguments', [`the graph must be a GraphDefinition (got ${describe(graph)})`]);
    }
    const problems = runOptionProblems(options);
    if (problems.length > 0) throw new InvalidOptionsError('run options', problems);
    const plan = planFor(graph as GraphDefinition<object, object>);
    this.checkExecutors(plan);
    const inputProblems = graphInputProblems(graph as GraphDefinition<object, object>, options.inputs);
    if (inputProblems.length > 0) throw new InvalidOptionsError(`inputs of graph '${graph.name}'`, inputProblems);
    const o = this.options;
    const execution = new RunExecution(plan, {
      runId: options.runId ?? randomUUID(),
      variables: Object.freeze({ ...options.variables }),
      maxParallel: options.maxParallel ?? o.maxParallel,
      pool: this.pool,
      failurePolicy: options.failurePolicy ?? o.failurePolicy,
      retry: o.retry,
      timeoutMs: o.timeoutMs,
      logger: o.logger,
      random: o.random,
      executors: o.executors,
      engineEvents: this.engineEvents,
      inputs: { ...options.inputs },
      freezeValues: o.freezeValues,
      retainOutputs: options.retainOutputs === true,
    });
    // Nothing below throws: every input was checked above.
    this.active.add(execution);
    const detach = linkCancellation(execution, options);
    void execution.result.then(() => {
      detach();
      this.active.delete(execution);
    });
    // Begin on the next microtask, so the caller can subscribe first. A
    // promise job rather than queueMicrotask: jest's fake timers leave it alone.
    void Promise.resolve().then(() => execution.begin());
    const events$ = execution.events$;
    return {
      runId: execution.runId,
      events$,
      progress$: events$.pipe(filter(isProgressStep), map(() => execution.progress())),
      result: execution.result as Promise<ExecutionResult<O>>,
      get outputs$() {
        return execution.outputs$;
      },
      output: ((operation: Operation, port: string) => {
        const index = operation instanceof Operation && operation.hasId ? plan.indexById.get(operation.id) : undefined;
        if (index === undefined || plan.operations[index] !== operation) {
          return Promise.reject(new UnknownOperationError(`run.output(): ${String(operation)} is not an operation of graph '${plan.graphName}'`));
        }
        if (operation.getPort(port, 'output') === undefined) {
          return Promise.reject(new UnknownOperationError(`run.output(): operation '${operation.id}' has no output port '${port}'`));
        }
        return execution.output(index, port);
      }) as RunHandle<O>['output'],
      cancel: (reason = 'cancelled by caller') => execution.cancel(String(reason)),
    };
  }

  /**
   * Runs a graph and resolves with its result. Rejects only for invalid
   * input (`GraphValidationError`, `InvalidOptionsError`), before anything runs.
   */
  run<I extends object, O extends object>(graph: GraphDefinition<I, O>, ...options: RunArguments<I>): Promise<ExecutionResult<O>> {
    try {
      return this.start(graph, ...options).result;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Asks each operation's executor whether it can run it; throws every refusal at once. */
  private checkExecutors(plan: RunPlan): void {
    if (this.acceptedPlans.has(plan)) return;
    const problems: ExecutorProblem[] = [];
    const { executors } = this.options;
    for (let i = 0; i < plan.operations.length; i++) {
      const resource = plan.resources[i]!;
      const key = plan.executorKeys[i]!;
      const executor = executors[key];
      if (executor === undefined && key !== resource) {
        const known = Object.keys(executors);
        problems.push({
          kind: 'executor',
          operationId: plan.ids[i]!,
          resource,
          message:
            `Operation '${plan.ids[i]}' asks for executor '${key}', but the engine has none of that name ` +
            `(it has ${known.length > 0 ? known.map((k) => `'${k}'`).join(', ') : 'none'}); register it with new ExecutionEngine({ executors: { '${key}': ... } })`,
        });
        continue;
      }
      const reasons = executor?.validate?.(plan.operations[i]!) ?? [];
      for (const reason of reasons) {
        problems.push({
          kind: 'executor',
          operationId: plan.ids[i]!,
          resource,
          message: `Operation '${plan.ids[i]}' (${resource}) cannot run on its executor: ${reason}`,
        });
      }
    }
    if (problems.length > 0) throw new GraphValidationError(plan.graphName, problems);
    this.acceptedPlans.add(plan);
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

/** Events after which done/total changes (or, for RunStarted, is first known). */
function isProgressStep(event: EngineEvent): boolean {
  switch (event.type) {
    case 'RunStarted':
    case 'OperationCompleted':
    case 'OperationSkipped':
    case 'OperationCancelled':
      return true;
    case 'OperationFailed':
      return !event.willRetry;
    default:
      return false;
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

function describe(value: unknown): string {
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

function engineOptionProblems(options: EngineOptions): string[] {
  if (!isPlainObject(options)) return [`options must be an object (got ${describe(options)})`];
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

/** What is wrong with the inputs given for a graph's declared inputs. */
function graphInputProblems(graph: GraphDefinition<object, object>, given: RunOptions['inputs']): string[] {
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

function runOptionProblems(options: RunOptions): string[] {
  if (!isPlainObject(options)) return [`options must be an object (got ${describe(options)})`];
  const problems: string[] = [];
  if (options.maxParallel !== undefined && !isLimit(options.maxParallel)) {
    problems.push(`maxParallel must be a whole number >= 1 or Infinity (got ${String(options.maxParallel)})`);
  }
  problems.push(...failurePolicyProblem(options.failurePolicy));
  if (options.runId !== undefined && (typeof options.runId !== 'string' || options.runId.length === 0)) {
    problems.push('runId must be a non-empty string');
  }
  if (options.inputs !== undefined && !isPlainObject(options.inputs)) {
    problems.push(`inputs must be an object of input name: value (got ${describe(options.inputs)})`);
  }
  if (options.retainOutputs !== undefined && typeof options.retainOutputs !== 'boolean') problems.push('retainOutputs must be true or false');
  if (options.variables !== undefined && !isPlainObject(options.variables)) {
    problems.push(`variables must be an object (got ${describe(options.variables)})`);
  }
  if (options.signal !== undefined && !isAbortSignal(options.signal)) {
    problems.push(`signal must be an AbortSignal (got ${describe(options.signal)})`);
  }
  if (options.cancellationToken !== undefined && !isAbortSignal((options.cancellationToken as { signal?: unknown } | null)?.signal)) {
    problems.push(`cancellationToken must be a CancellationToken (got ${describe(options.cancellationToken)})`);
  }
  return problems;
}
