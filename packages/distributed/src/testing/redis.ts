/** Redis for tests: the machine's server, a key prefix per test run, and cleanup of exactly those keys. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis the tests use (`PORTFLOW_TEST_REDIS`, default the local server). */
export const REDIS_URL = process.env.PORTFLOW_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test run uses. */
export function testPrefix(): string {
  return `pftest-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/** A client of the test Redis, or an error that says how to start one. */
export async function connectTestRedis(): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `These tests need Redis at ${REDIS_URL} (${(error as Error).message}). Start it with ` +
        `redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no, or set PORTFLOW_TEST_REDIS`,
    );
  }
}

/** Every key under `prefix`. */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** Deletes every key under `prefix` (and nothing else). */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
}
