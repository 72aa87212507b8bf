/**
 * One piscina pool of the worker executor: its threads' links, and the
 * attempts running on it. An attempt is one piscina task; its result is the
 * attempt's outcome.
 * @internal
 */
import type { ResourceLimits } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { ExecutionContext, Logger } from '@portflow/core';
import { PoolTask, type TaskHost } from './pool-task';
import type { TaskResult, ThreadMessage, WorkerTask } from './protocol';
import { serializeError } from './serialized-error';
import { ThreadRegistry } from './thread-registry';

export interface WorkerPoolOptions {
  /** For log messages. */
  readonly name: string;
  readonly filename: string;
  readonly threads: number;
  readonly idleTimeoutMs: number;
  readonly abortGraceMs: number;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly logger: Logger | undefined;
}

export class WorkerPool implements TaskHost {
  readonly piscina: Piscina;
  readonly abortGraceMs: number;
  private readonly threads: ThreadRegistry;
  /** Attempts running (or waiting for a thread), by task id. */
  private readonly tasks = new Map<number, PoolTask>();
  private lastTaskId = 0;

  constructor(options: WorkerPoolOptions) {
    this.abortGraceMs = options.abortGraceMs;
    // A message of an attempt already settled is dropped.
    this.threads = new ThreadRegistry((message: ThreadMessage) => this.tasks.get(message.id)?.deliver(message));
    this.piscina = new Piscina({
      filename: options.filename,
      name: 'default',
      minThreads: 0, // threads start on demand
      maxThreads: options.threads,
      idleTimeout: options.idleTimeoutMs,
      concurrentTasksPerWorker: 1,
      recordTiming: false,
      // An idle thread waits in its event loop, not in Atomics.wait: the engine hands the pool a few
      // tasks at a time (cpuThreads), so each task wakes a thread, and that wake-up is cheaper this way
      // (hot path round 2, docs/performance.md). It also lets an idle thread read its link.
      atomics: 'disabled',
      loadBalancer: this.threads.balance,
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
    });
    // A thread that dies with no task running (e.g. a timer an operation left
    // behind throws) is reported here; without a listener it would crash the process.
    this.piscina.on('error', (error: unknown) => options.logger?.warn(`worker pool '${options.name}': a thread died outside any task`, { error: serializeError(error) }));
    this.threads.listen(this.piscina);
  }

  /** An id for the next task: an Int32 other than 0 (which means idle), unique among the tasks in flight. */
  nextTaskId(): number {
    return (this.lastTaskId = this.lastTaskId === 0x7fffffff ? 1 : this.lastTaskId + 1);
  }

  /** Runs one attempt; resolves to its outputs. */
  run(task: WorkerTask, transferList: ArrayBuffer[] | undefined, context: ExecutionContext): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const entry = new PoolTask(task, context, this, resolve, reject);
      this.tasks.set(task.id, entry);
      this.piscina.run(task, transferList === undefined ? undefined : { transferList }).then(
        (result: TaskResult) => entry.onResult(result),
        (error: unknown) => entry.onError(error),
      );
    });
  }

  sendAbort(id: number, reason: unknown): void {
    this.threads.sendAbort(id, reason);
  }

  terminateRunner(id: number): boolean {
    const thread = this.threads.runnerOf(id);
    const worker = thread === undefined ? undefined : this.piscina.threads.find((w) => w.threadId === thread);
    if (worker === undefined) return false;
    void worker.terminate(); // piscina sees the thread exit and fails the task; the pool starts another thread when work comes
    return true;
  }

  runnerOf(id: number): number | undefined {
    return this.threads.runnerOf(id);
  }

  collect(thread: number): void {
    this.threads.collect(thread);
  }

  forget(id: number): void {
    this.tasks.delete(id);
  }

  /** Ends every attempt with `reason`, then every thread. */
  async destroy(reason: unknown): Promise<void> {
    for (const task of [...this.tasks.values()]) task.close(reason);
    await this.piscina.destroy();
    this.piscina.emitDestroy(); // piscina leaves its async resource open; tools like jest --detectOpenHandles would report it
    this.threads.close();
  }
}
