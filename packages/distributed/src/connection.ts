/**
 * Redis connection settings and the server check every client runs before
 * its first job.
 */
import type { ConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { RedisConfigurationError } from './errors';

/**
 * Where Redis is: a `redis://[user:password@]host:port[/db]` URL, or ioredis
 * options. Every queue, worker and event reader opens its own connections
 * from it (with `maxRetriesPerRequest: null`, which BullMQ needs).
 *
 * @example
 * ```ts
 * const connection: RedisConnection = 'redis://127.0.0.1:6379';
 * ```
 */
export type RedisConnection = string | RedisOptions;

/** ioredis options for `connection`, ready for BullMQ. @internal */
export function redisOptions(connection: RedisConnection): RedisOptions {
  if (typeof connection !== 'string') return { ...connection, maxRetriesPerRequest: null };
  const url = new URL(connection);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new TypeError(`Redis URL must start with redis:// or rediss:// (got ${url.protocol}//)`);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
  return {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** The same options, typed for BullMQ (its own `RedisOptions` type differs from ioredis' in details only). @internal */
export function bullmqConnection(options: RedisOptions): ConnectionOptions {
  return options as unknown as ConnectionOptions;
}

/** The part of a Redis client {@link checkRedisServer} uses. */
export interface ConfigReader {
  /** `CONFIG GET name`: a flat list of name, value pairs. */
  config(subcommand: 'GET', name: string): Promise<unknown>;
}

/**
 * Checks that a Redis server can hold BullMQ's queues: `maxmemory-policy`
 * must be `noeviction`, or Redis may evict job keys under memory pressure
 * and jobs vanish; throws a {@link RedisConfigurationError} naming the
 * setting and the fix. Resolves to warnings worth logging: persistence off
 * (no AOF and no RDB snapshots), so a Redis restart loses every queued job
 * and result. Servers that refuse `CONFIG` (some managed services) pass:
 * their settings cannot be read here.
 *
 * @example
 * ```ts
 * for (const warning of await checkRedisServer(new Redis('redis://127.0.0.1:6379'))) console.warn(warning);
 * ```
 */
export async function checkRedisServer(client: ConfigReader): Promise<readonly string[]> {
  let reply: unknown;
  try {
    reply = await client.config('GET', 'maxmemory-policy');
  } catch {
    return []; // CONFIG disabled: nothing to read
  }
  const policy = Array.isArray(reply) ? reply[1] : undefined;
  if (typeof policy === 'string' && policy !== 'noeviction') {
    throw new RedisConfigurationError(
      `Redis has maxmemory-policy '${policy}', but BullMQ needs 'noeviction': with eviction, Redis may delete queued jobs and results under memory pressure. ` +
        `Fix it with 'CONFIG SET maxmemory-policy noeviction' (and 'CONFIG REWRITE'), or set 'maxmemory-policy noeviction' in redis.conf`,
    );
  }
  const setting = async (name: string): Promise<string | undefined> => {
    const value = await client.config('GET', name).catch(() => undefined);
    return Array.isArray(value) && typeof value[1] === 'string' ? value[1] : undefined;
  };
  const [appendonly, save] = await Promise.all([setting('appendonly'), setting('save')]);
  if (appendonly === 'no' && save === '') {
    return [
      "Redis persistence is off (appendonly no, save ''): if Redis restarts, every queued job and result is lost, and runs wait for jobs that no longer exist until the reconcile loop fails them. " +
        "For anything but tests, turn on AOF ('CONFIG SET appendonly yes') or RDB snapshots.",
    ];
  }
  return [];
}
