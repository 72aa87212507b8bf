import { availableParallelism } from 'node:os';
import { ExecutionEngine, GraphDefinition, type EngineOptions, type ResourceHint, type RunArguments, type RunHandle } from '@portflow/core';
import { createWorkerExecutor, type WorkerExecutorOptions, type WorkerPoolExecutor } from './executor';
import { validateForWorkers } from './validation';

/** Options of {@link createWorkerEngine}: the engine's, plus the worker pools'. */
export interface WorkerEngineOptions extends EngineOptions {
  /** Options of the worker pools; `threads` defaults to `cpuThreads`. */
  workers?: WorkerExecutorOptions;
}

/**
 * An {@link ExecutionEngine} whose `cpu_bound` and `memory_bound` operations
 * run on worker threads (see {@link WorkerPoolExecutor}), and which checks
 * before every run that those operations can: `run`/`start` reject a graph
 * with a non-worker-capable CPU-bound operation with a
 * `WorkerCapabilityError` (a `GraphValidationError`) before anything runs.
 * `close()` ends every thread.
 */
export class WorkerEngine extends ExecutionEngine {
  /** The worker executor, for inspection (`threadCount`, `pools`). */
  readonly workers: WorkerPoolExecutor;
  private readonly workerResources: readonly ResourceHint[];
  private readonly checked = new WeakMap<GraphDefinition, number>();

  constructor(options: WorkerEngineOptions = {}) {
    const { workers: workerOptions = {}, ...engineOptions } = options;
    const cpuThreads = engineOptions.cpuThreads ?? workerOptions.threads ?? availableParallelism();
    const threads = workerOptions.threads ?? (Number.isFinite(cpuThreads) ? cpuThreads : availableParallelism());
    const executor = createWorkerExecutor({ ...workerOptions, threads });
    const executors = { cpu_bound: executor, memory_bound: executor, ...engineOptions.executors };
    super({ ...engineOptions, cpuThreads, executors });
    this.workers = executor;
    this.workerResources = (Object.keys(executors) as ResourceHint[]).filter((hint) => executors[hint] === executor);
  }

  /** Like `ExecutionEngine.start`, after checking that worker operations are worker-capable. */
  override start<I extends object, O extends object>(graph: GraphDefinition<I, O>, ...options: RunArguments<I>): RunHandle<O> {
    const plain = graph as GraphDefinition<object, object>;
    if (plain instanceof GraphDefinition && this.checked.get(plain) !== plain.revision) {
      plain.validate(); // graph problems first, as a plain engine reports them
      validateForWorkers(plain, { resources: this.workerResources, root: this.workers.root });
      this.checked.set(plain, plain.revision);
    }
    return super.start(graph, ...options);
  }
}

/**
 * An engine that runs `cpu_bound` and `memory_bound` operations on worker
 * threads: the common case in one line.
 *
 * @example
 * ```ts
 * await using engine = createWorkerEngine({ cpuThreads: 4, workers: { memoryLimitMb: 512 } });
 * const result = await engine.run(graph);
 * ```
 */
export function createWorkerEngine(options: WorkerEngineOptions = {}): WorkerEngine {
  return new WorkerEngine(options);
}
