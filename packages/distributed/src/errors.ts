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
