import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { ResourceLimits } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { InvalidOptionsError, type ExecutionContext, type Logger, type Operation, type OperationExecutor, type OperationRef } from '@portflow/core';
import { placementOf, workerSpecOf } from './declaration';
import { WorkerCapabilityError } from './errors';
import type { WorkerTask } from './protocol';
import { resolveRoot, workerRef } from './ref';
import { workerReasons } from './validation';
import { isCloneable, tagBuffers, transferables } from './values';
import { WorkerPool } from './worker-pool';

/** Options of {@link createWorkerExecutor}; every field has a default. */
export interface WorkerExecutorOptions {
  /** Worker threads of the CPU pool (default: available parallelism). Match it with the engine's `cpuThreads`. */
  threads?: number;
  /** `resourceLimits` of the CPU pool's threads (default: Node's defaults). */
  resourceLimits?: ResourceLimits;
  /**
   * Heap cap of each `memory_bound` thread in MiB (`maxOldGenerationSizeMb`),
   * default 1024. An operation that goes past it fails with a
   * `WorkerCrashError` of kind `out_of_memory`; the process lives on.
   */
  memoryLimitMb?: number;
  /** Full `resourceLimits` of the memory pool's threads; overrides `memoryLimitMb`. */
  memoryResourceLimits?: ResourceLimits;
  /** Worker threads of the memory pool (default: `threads`). */
  memoryThreads?: number;
  /** How long an idle thread is kept before it ends, in ms (default 30 000). Threads never keep the process alive. */
  idleTimeoutMs?: number;
  /**
   * After an attempt's signal aborts (cancellation, timeout, fail-fast), how
   * long the worker gets to stop on its own (it sees `context.signal` abort)
   * before its thread is terminated, in ms (default 100). A synchronous loop
   * cannot see the signal, so it is always ended by termination. An attempt
   * still waiting for a thread ends when the grace is over, and never runs.
   */
  abortGraceMs?: number;
  /** Where pool-level errors not tied to a task go (e.g. a thread dying between tasks). Default: silent. */
  logger?: Logger;
  /**
   * The worker entry file (default: this package's built `dist/worker.js`).
   * Another file must re-export that entry (load it as it loads, not later):
   * the entry opens the thread's link to the executor while piscina starts the
   * thread, and without it progress, logs and cooperative aborts do not reach
   * the thread's attempts.
   */
  workerFile?: string;
  /**
   * The directory workers resolve operation modules against (default: the
   * current directory). An operation declared with `@WorkerOperation(__filename)`
   * reaches its worker as a ref whose module is that file relative to `root`
   * (`./dist/ops.js`), so the file must lie under it; an operation whose class
   * declares `@OperationOptions({ module: '@acme/ops' })` is looked up as that
   * package from `root`. `validate` refuses operations whose module is outside it.
   */
  root?: string;
}

/**
 * An {@link OperationExecutor} that runs operations on piscina worker-thread
 * pools: `memory_bound` operations on a pool whose threads have a heap cap,
 * everything else on the CPU pool. Pools are created on first use and
 * destroyed by `close()` (which `engine.close()` calls). Operations opted out
 * with `@MainThread()` / `runOnMainThread` run inline on the main thread.
 *
 * An operation never crosses as an object: each attempt sends the worker its
 * `OperationRef` (JSON: type, version, params, id, settings and a module
 * specifier relative to `root` or a package name), and the worker constructs
 * the operation from it with core's `ModuleResolver`, running the class's
 * constructor. `validate` refuses, before a run, operations that would not
 * come out the same (see `workerReasons`).
 *
 * Register it for the resource classes that should leave the main thread,
 * usually through `createWorkerEngine`:
 *
 * @example
 * ```ts
 * const workers = createWorkerExecutor({ threads: 4 });
 * const engine = new ExecutionEngine({ cpuThreads: 4, executors: { cpu_bound: workers, memory_bound: workers } });
 * validateForWorkers(graph);
 * await engine.run(graph);
 * await engine.close(); // ends every thread
 * ```
 */
export class WorkerPoolExecutor implements OperationExecutor {
  private readonly threads: number;
  private readonly memoryThreads: number;
  private readonly idleTimeoutMs: number;
  private readonly abortGraceMs: number;
  private readonly cpuLimits: ResourceLimits | undefined;
  private readonly memoryLimits: ResourceLimits;
  private readonly logger: Logger | undefined;
  private readonly workerFile: string | undefined;
  /** The directory operation modules are resolved against, absolute; see {@link WorkerExecutorOptions.root}. */
  readonly root: string;
  private cpuPool: WorkerPool | undefined;
  private memoryPool: WorkerPool | undefined;
  private readonly instanceReasons = new WeakMap<Operation, readonly string[]>();
  private isClosed = false;
  private closing: Promise<void> | undefined;

  constructor(options: WorkerExecutorOptions = {}) {
    const problems = optionProblems(options);
    if (problems.length > 0) throw new InvalidOptionsError('worker executor options', problems);
    this.threads = options.threads ?? availableParallelism();
    this.memoryThreads = options.memoryThreads ?? this.threads;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.abortGraceMs = options.abortGraceMs ?? 100;
    this.cpuLimits = options.resourceLimits;
    this.memoryLimits = options.memoryResourceLimits ?? { ...options.resourceLimits, maxOldGenerationSizeMb: options.memoryLimitMb ?? 1024 };
    this.logger = options.logger;
    this.workerFile = options.workerFile;
    this.root = resolveRoot(options.root);
  }

  /** Live worker threads in both pools (0 before first use and after `close()`). */
  get threadCount(): number {
    return (this.cpuPool?.piscina.threads.length ?? 0) + (this.memoryPool?.piscina.threads.length ?? 0);
  }

  /** The pools created so far, for inspection (`threads`, `utilization`, events). */
  get pools(): { readonly cpu: Piscina | undefined; readonly memory: Piscina | undefined } {
    return { cpu: this.cpuPool?.piscina, memory: this.memoryPool?.piscina };
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Why `operation` cannot run on this executor; empty when it can. */
  validate(operation: Operation): readonly string[] {
    return workerReasons(operation, { root: this.root });
  }

  execute(operation: Operation, inputs: Readonly<Record<string, unknown>>, context: ExecutionContext): unknown {
    if (this.isClosed) throw new Error(`Operation '${context.operationId}': the worker executor is closed; create a new engine`);
    const placement = placementOf(operation);
    if (placement === 'main-thread') return operation.execute(inputs, context);
    let reasons = this.instanceReasons.get(operation);
    if (reasons === undefined) {
      reasons = workerReasons(operation, { root: this.root });
      this.instanceReasons.set(operation, reasons);
    }
    if (reasons.length > 0) {
      // Normally caught by validateForWorkers before the run; this is the backstop.
      const className = operation.constructor.name;
      throw new WorkerCapabilityError('(run)', [
        { operationId: context.operationId, className, reasons, message: `Operation '${context.operationId}' (class ${className}) cannot run on a worker thread: ${reasons.join(' ')}` },
      ]);
    }
    const spec = workerSpecOf(operation.constructor);
    return this.runOnWorker(operation, workerRef(operation, this.root), spec?.transferInputs ?? false, spec?.transferOutputs ?? false, inputs, context);
  }

  /**
   * Ends every worker thread: attempts still running are aborted, then both
   * pools are destroyed. Safe to call twice.
   */
  close(): Promise<void> {
    this.isClosed = true;
    this.closing ??= (async () => {
      const reason = new Error('the worker executor was closed');
      await Promise.all([this.cpuPool?.destroy(reason), this.memoryPool?.destroy(reason)]);
    })();
    return this.closing;
  }

  /** `await using workers = createWorkerExecutor()` closes it at scope end. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private pool(operation: Operation): WorkerPool {
    if (operation.settings.resource === 'memory_bound') {
      return (this.memoryPool ??= this.createPool('portflow-memory', this.memoryThreads, this.memoryLimits));
    }
    return (this.cpuPool ??= this.createPool('portflow-cpu', this.threads, this.cpuLimits));
  }

  private createPool(name: string, threads: number, resourceLimits: ResourceLimits | undefined): WorkerPool {
    return new WorkerPool({
      name,
      filename: this.workerFile ?? defaultWorkerFile(),
      threads,
      idleTimeoutMs: this.idleTimeoutMs,
      abortGraceMs: this.abortGraceMs,
      resourceLimits,
      logger: this.logger,
    });
  }

  /**
   * One attempt as one piscina task (see `WorkerPool`): the task carries the
   * ref and the inputs, its result is the outcome. Progress and logs arrive
   * on the thread's link (see `ThreadLink`) while it runs; those still unread
   * when the result comes are collected first, so they precede the attempt's
   * completion.
   */
  private runOnWorker(
    operation: Operation,
    ref: OperationRef,
    transferInputs: boolean,
    transferOutputs: boolean,
    inputs: Readonly<Record<string, unknown>>,
    context: ExecutionContext,
  ): Promise<unknown> {
    if (context.signal.aborted) return Promise.reject(context.signal.reason);
    const pool = this.pool(operation);
    const task: Mutable<WorkerTask> = {
      id: pool.nextTaskId(),
      ref,
      root: this.root,
      runId: context.runId,
      operationId: context.operationId,
      attempt: context.attempt,
      inputs: inputs as Record<string, unknown>,
    };
    const inputBuffers = tagBuffers(inputs);
    if (inputBuffers !== undefined) task.inputBuffers = inputBuffers;
    if (context.idempotencyKey !== `${context.runId}/${context.operationId}`) task.idempotencyKey = context.idempotencyKey;
    const { variables, missingVariables } = cloneableVariables(context.variables);
    if (variables !== undefined) task.variables = variables;
    if (missingVariables !== undefined) task.missingVariables = missingVariables;
    if (transferOutputs) task.transferOutputs = true;
    return pool.run(task, transferInputs ? transferables(inputs) : undefined, context);
  }
}

/**
 * Creates a {@link WorkerPoolExecutor}. Register it for `cpu_bound` and
 * `memory_bound` (it picks the pool by the operation's resource hint), or
 * use `createWorkerEngine`, which does that and validates graphs before runs.
 */
export function createWorkerExecutor(options: WorkerExecutorOptions = {}): WorkerPoolExecutor {
  return new WorkerPoolExecutor(options);
}

function defaultWorkerFile(): string {
  // Built: dist/executor.js next to dist/worker.js. From source (tests run
  // src/ through a transform): the build's worker, since threads load JavaScript.
  const candidates = [join(__dirname, 'worker.js'), join(__dirname, '..', 'dist', 'worker.js')];
  const found = candidates.find((file) => existsSync(file));
  if (found === undefined) {
    throw new Error(`@portflow/workers: the worker entry is not built (looked for ${candidates.join(', ')}); run the package's build (npm run build)`);
  }
  return found;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface CrossingVariables {
  readonly variables: Record<string, unknown> | undefined;
  readonly missingVariables: string[] | undefined;
}

const variableCache = new WeakMap<object, CrossingVariables>();

/** Run variables split into those that can cross and the names of those that cannot, each left out when empty (cached per run: the object is frozen and shared). */
function cloneableVariables(all: Readonly<Record<string, unknown>>): CrossingVariables {
  const cached = variableCache.get(all);
  if (cached) return cached;
  let variables: Record<string, unknown> | undefined;
  let missingVariables: string[] | undefined;
  for (const [key, value] of Object.entries(all)) {
    if (isCloneable(value)) (variables ??= {})[key] = value;
    else (missingVariables ??= []).push(key);
  }
  const split = { variables, missingVariables };
  variableCache.set(all, split);
  return split;
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

function optionProblems(o: WorkerExecutorOptions): string[] {
  const problems: string[] = [];
  if (o.threads !== undefined && !isCount(o.threads)) problems.push(`threads must be a whole number >= 1 (got ${String(o.threads)})`);
  if (o.memoryThreads !== undefined && !isCount(o.memoryThreads)) problems.push(`memoryThreads must be a whole number >= 1 (got ${String(o.memoryThreads)})`);
  if (o.memoryLimitMb !== undefined && !(typeof o.memoryLimitMb === 'number' && o.memoryLimitMb >= 1)) {
    problems.push(`memoryLimitMb must be a number >= 1 (got ${String(o.memoryLimitMb)})`);
  }
  if (o.root !== undefined && !(typeof o.root === 'string' && o.root.length > 0)) problems.push(`root must be a directory path (got ${String(o.root)})`);
  for (const key of ['idleTimeoutMs', 'abortGraceMs'] as const) {
    const v = o[key];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v))) problems.push(`${key} must be a number >= 0 (got ${String(v)})`);
  }
  return problems;
}
