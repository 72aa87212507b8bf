/** Errors of `@portflow/distributed`. */
import { PortflowError } from '@portflow/core';

/**
 * The Redis server is not configured as BullMQ needs (its
 * `maxmemory-policy` is not `noeviction`). The message names the setting and
 * how to fix it.
 *
 * @example
 * ```ts
 * try { await engine.run(graph); } catch (e) {
 *   if (isPortflowError(e, 'PORTFLOW_REDIS_UNSUITABLE')) console.error(e.message);
 * }
 * ```
 */
export class RedisConfigurationError extends PortflowError {
  override readonly name = 'RedisConfigurationError';

  constructor(message: string) {
    super('PORTFLOW_REDIS_UNSUITABLE', message);
  }
}

/**
 * No live worker serves the queue an operation is routed to (no heartbeat of
 * a worker of that queue and build id under the prefix), so the coordinator
 * failed the operation instead of enqueueing a job nobody would take. Code
 * `PORTFLOW_NO_WORKER`. The message names the queue, the build id, the
 * prefix, the workers that serve the queue for other builds, and the
 * `portflow worker` command that would serve it.
 *
 * @example
 * ```ts
 * const result = await engine.run(graph);
 * if (result.status === 'failed' && result.getErrorMessage()?.includes('PORTFLOW_NO_WORKER')) console.error('start a worker');
 * ```
 */
export class NoWorkerError extends PortflowError {
  override readonly name = 'NoWorkerError';
  /** The logical queue (`cpu`). */
  readonly queue: string;
  /** The build id the coordinator asked for. */
  readonly buildId: string;

  constructor(queue: string, buildId: string, message: string) {
    super('PORTFLOW_NO_WORKER', message);
    this.queue = queue;
    this.buildId = buildId;
  }
}
