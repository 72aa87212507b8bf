import { ExecutionEngine, type EngineOptions, type OperationExecutor } from '@portflow/core';
import { BullMQExecutor } from './bullmq-executor';
import type { RedisConnection } from './connection';
import type { BlobOptions } from './job-values';

/** Options of {@link createDistributedEngine}: the engine's, plus where its queues are. */
export interface DistributedEngineOptions extends Omit<EngineOptions, 'executors'> {
  /** Where Redis is. */
  connection: RedisConnection;
  /** Prefix of every Redis key (default `portflow`); workers use the same. */
  prefix?: string;
  /** The deployment's build id (default `dev`); workers use the same. */
  buildId?: string;
  /**
   * Which queue runs which operations, keyed like `EngineOptions.executors`:
   * a resource hint (`cpu_bound`) or an executor name operations choose with
   * their `executor` setting (`gpu`). Default `{ cpu_bound: 'cpu',
   * memory_bound: 'cpu' }`; other operations run in this process.
   */
  queues?: Readonly<Record<string, string>>;
  /** The directory `@WorkerOperation` modules are made relative to (default: the current directory). */
  root?: string;
  /** See {@link BullMQExecutorOptions.reconcileMs}. */
  reconcileMs?: number;
  /** See {@link BullMQExecutorOptions.leaseMs}: how long a run's coordinator lease lasts (default 15000). */
  leaseMs?: number;
  /** See {@link BullMQExecutorOptions.checkWorkers} (default true: an operation whose queue no live worker serves fails at once). */
  checkWorkers?: boolean;
  /** See {@link BullMQExecutorOptions.blobs}: a directory shared with the workers for large values. */
  blobs?: BlobOptions;
  /** More executors, for keys `queues` does not name. */
  executors?: EngineOptions['executors'];
}

/** Default routing: CPU- and memory-bound operations to the queue `cpu`. */
export const DEFAULT_QUEUES: Readonly<Record<string, string>> = Object.freeze({ cpu_bound: 'cpu', memory_bound: 'cpu' });

/**
 * An {@link ExecutionEngine} whose operations, chosen by resource hint or
 * `executor` setting, run as BullMQ jobs on worker processes
 * (`startWorker`), one {@link BullMQExecutor} per queue. The engine in
 * this process stays the coordinator: readiness, retries, timeouts, events
 * and cancellation work as on one machine. `cpuThreads` defaults to
 * unlimited: the fleet's size, not this machine's, bounds remote work.
 * `close()` closes every queue connection.
 *
 * @example
 * ```ts
 * await using engine = createDistributedEngine({ connection: 'redis://127.0.0.1:6379', buildId: 'v1', queues: { cpu_bound: 'cpu', gpu: 'gpu' } });
 * const result = await engine.run(graph); // the same graph as on new ExecutionEngine()
 * ```
 */
export function createDistributedEngine(options: DistributedEngineOptions): ExecutionEngine {
  const { connection, prefix, buildId, queues = DEFAULT_QUEUES, root, reconcileMs, leaseMs, checkWorkers, blobs, executors: extra, ...engineOptions } = options;
  const byQueue = new Map<string, BullMQExecutor>();
  const executors: Record<string, OperationExecutor> = { ...extra } as Record<string, OperationExecutor>;
  for (const [key, queue] of Object.entries(queues)) {
    let executor = byQueue.get(queue);
    if (executor === undefined) {
      executor = new BullMQExecutor({ connection, queue, prefix, buildId, root, reconcileMs, leaseMs, checkWorkers, ...(blobs === undefined ? {} : { blobs }), ...(engineOptions.logger === undefined ? {} : { logger: engineOptions.logger }) });
      byQueue.set(queue, executor);
    }
    executors[key] = executor;
  }
  return new ExecutionEngine({ cpuThreads: Infinity, ...engineOptions, executors });
}
