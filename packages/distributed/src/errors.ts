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

/**
 * Another run holds the coordinator lease of the run chain an operation
 * belongs to: two processes must not drive one run (add its jobs, accept
 * their outcomes, clean them up). Raised when a resumed run finds the chain
 * driven by a live coordinator, and when a coordinator finds that another
 * took its lease (it stalled for longer than the lease). Code
 * `PORTFLOW_RUN_LEASE`. The message names the holder's run, host and pid.
 *
 * @example
 * ```ts
 * const result = await engine.run(graph, { resume: runId, store });
 * if (result.errors.some((e) => isPortflowError(e.error, 'PORTFLOW_RUN_LEASE'))) console.error('still driven elsewhere');
 * ```
 */
export class RunLeaseError extends PortflowError {
  override readonly name = 'RunLeaseError';
  /** The first run of the chain (what the lease is for). */
  readonly rootRunId: string;
  /** The run holding the lease, and where it runs. */
  readonly holder: { readonly runId: string; readonly host: string; readonly pid: number };

  constructor(rootRunId: string, holder: { readonly runId: string; readonly host: string; readonly pid: number }, message: string) {
    super('PORTFLOW_RUN_LEASE', message);
    this.rootRunId = rootRunId;
    this.holder = holder;
  }
}
