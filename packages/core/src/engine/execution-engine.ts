import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { filter, map, type Observable, Subject } from 'rxjs';
import { GraphValidationError, InvalidOptionsError, UnknownOperationError } from '../errors/errors';
import { Operation } from '../model/operation';
import type { ExecutorProblem } from '../graph/graph-problem';
import type { EngineEvent } from '../events/events';
import type { ExecutionResult } from '../results/execution-result';
import { GraphDefinition } from '../graph/graph-definition';
import { silentLogger } from '../logging/logger';
import { NO_RETRY } from '../model/retry-policy';
import type { RunHandle } from './run-handle';
import { RunExecution } from './run-execution';
import { planFor, type RunPlan } from './run-plan';
import { SlotPool } from './slot-pool';
import { definitionHash } from '../durability/definition-hash';
import { v8Codec } from '../values/value-codec';
import type { OperationExecutor } from './operation-executor';
import { describeKind, engineOptionProblems, graphInputProblems, runOptionProblems, type EngineOptions, type ExecutorMap, type RunArguments, type RunOptions } from './engine-options';

export type { CheckpointMode, EngineOptions, ExecutorMap, RunArguments, RunOptions } from './engine-options';

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
  /** Plans this engine's executors accepted, with each operation's executor (undefined: all run inline). */
  private readonly acceptedPlans = new WeakMap<RunPlan, readonly (OperationExecutor | undefined)[] | undefined>();

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
      codec: options.codec ?? v8Codec,
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
   * With a `store`, the result rejects when the store cannot open the run
   * (unreachable, or `resume` names no run); nothing runs then.
   */
  start<I extends object, O extends object>(graph: GraphDefinition<I, O>, ...[given]: RunArguments<I>): RunHandle<O> {
    const options: RunOptions = given ?? {};
    if (this.closed) throw new InvalidOptionsError('engine state', ['the engine is closed; create a new ExecutionEngine']);
    if (!(graph instanceof GraphDefinition)) {
      throw new InvalidOptionsError('run arguments', [`the graph must be a GraphDefinition (got ${describeKind(graph)})`]);
    }
    const problems = runOptionProblems(options);
    if (problems.length > 0) throw new InvalidOptionsError('run options', problems);
    const plan = planFor(graph as GraphDefinition<object, object>);
    const executors = this.checkExecutors(plan);
    const inputProblems = graphInputProblems(graph as GraphDefinition<object, object>, options.inputs);
    if (inputProblems.length > 0) throw new InvalidOptionsError(`inputs of graph '${graph.name}'`, inputProblems);
    const rerun = rerunPositions(plan, options.rerun);
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
      executors,
      engineEvents: this.engineEvents,
      inputs: { ...options.inputs },
      freezeValues: o.freezeValues,
      retainOutputs: options.retainOutputs === true,
    });
    // Nothing below throws: every input was checked above.
    this.active.add(execution);
    const detach = linkCancellation(execution, options);
    const settle = (): void => {
      detach();
      this.active.delete(execution);
    };
    execution.result.then(settle, settle);
    const store = options.store;
    let opened: Promise<unknown> | undefined;
    if (store === undefined) {
      // Begin on the next microtask, so the caller can subscribe first. A
      // promise job rather than queueMicrotask: jest's fake timers leave it alone.
      void Promise.resolve().then(() => execution.begin());
    } else {
      const opening = Promise.resolve().then(() =>
        store.openRun({
          runId: execution.runId,
          graphName: graph.name,
          definitionHash: definitionHash(graph as GraphDefinition<object, object>),
          variables: execution.variables,
          codecFormat: o.codec.format,
          ...(options.resume === undefined ? {} : { resume: options.resume, anyOutcome: options.rerun !== undefined }),
        }),
      );
      opened = opening.then(
        (session) => {
          execution.attachCheckpoints(session, o.codec, rerun, options.checkpoint);
          execution.begin();
        },
        (error: unknown) => execution.failToOpen(error),
      );
    }
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
      // Before the store has opened the run, nothing is recorded yet: wait for it, then hand over.
      checkpoint: () => (opened === undefined ? Promise.resolve() : opened.then(() => execution.checkpoint())),
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

  /**
   * Asks each operation's executor whether it can run it; throws every
   * refusal at once. Returns each operation's executor (undefined when all
   * run inline), once per plan.
   */
  private checkExecutors(plan: RunPlan): readonly (OperationExecutor | undefined)[] | undefined {
    if (this.acceptedPlans.has(plan)) return this.acceptedPlans.get(plan);
    const problems: ExecutorProblem[] = [];
    const { executors } = this.options;
    const chosen: (OperationExecutor | undefined)[] = new Array(plan.operations.length).fill(undefined);
    let any = false;
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
      chosen[i] = executor;
      if (executor !== undefined) any = true;
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
    const resolved = any ? chosen : undefined;
    this.acceptedPlans.set(plan, resolved);
    return resolved;
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
/** Positions of the operations `rerun` names; throws an `InvalidOptionsError` listing ids the graph does not have. */
function rerunPositions(plan: RunPlan, rerun: readonly string[] | undefined): number[] {
  if (rerun === undefined) return [];
  const positions: number[] = [];
  const unknown: string[] = [];
  for (const id of rerun) {
    const index = plan.indexById.get(id);
    if (index === undefined) unknown.push(id);
    else positions.push(index);
  }
  if (unknown.length > 0) {
    throw new InvalidOptionsError('run options', [`rerun names operations graph '${plan.graphName}' does not have: ${unknown.map((id) => `'${id}'`).join(', ')}`]);
  }
  return positions;
}

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

