import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bullmqConnection, redisOptions, type RedisConnection } from './connection';
import { removeChainJobs } from './chain-jobs';
import type { BlobOptions } from './job-values';
import { unescapeComponent } from './protocol';
import { leaseKeyOf, leaseValueOf, releaseLease } from './run-lease';

/** How long prune holds a chain's lease at most (it releases it as soon as the chain is done). */
const PRUNE_LEASE_MS = 60_000;

/** Options of {@link pruneAbandonedRuns}. */
export interface PruneAbandonedRunsOptions {
  /** Where Redis is. */
  connection: RedisConnection;
  /** Key prefix of the coordinators and workers (default `portflow`). */
  prefix?: string;
  /**
   * Only run chains none of whose jobs was added, started or finished in
   * the last `olderThanMs` milliseconds: a chain you may still resume is
   * younger than this.
   */
  olderThanMs: number;
  /** The blob directory the coordinators used, so that the jobs' files go too. */
  blobs?: BlobOptions;
  /** List what would be removed, remove nothing. */
  dryRun?: boolean;
}

/** A run chain {@link pruneAbandonedRuns} found abandoned, and what it removed of it. */
export interface AbandonedRun {
  /** The first run of the chain (what its idempotency keys start with). */
  readonly rootRunId: string;
  /** The queue's Redis name (`cpu-<buildId>-node<major>`). */
  readonly queueName: string;
  /** Jobs in the chain's set. */
  readonly jobs: number;
  /** When the newest of its jobs was added, started or finished (ms since the epoch); undefined when none is left. */
  readonly lastActivityAt: number | undefined;
  /** Jobs removed (0 with `dryRun`). */
  readonly removed: number;
  /** Jobs a worker still runs (it holds their lock), left in place and in the set. */
  readonly left: readonly string[];
}

/**
 * Removes the jobs of run chains that no coordinator drives any more: a
 * coordinator that died and whose run is never resumed leaves its jobs (a
 * resume would adopt them), and nothing else removes them. A chain is
 * abandoned when no run holds its coordinator lease and none of its jobs
 * was added, started or finished in the last `olderThanMs`. Prune holds the
 * chain's lease while it looks and removes, so a run resuming the chain
 * meanwhile waits for it (and then finds the jobs gone); its jobs go as
 * at a run's end (with their blob files, cancel keys and the chain's set),
 * except jobs a worker still runs. Chains of live runs are never touched.
 * `portflow jobs prune --older-than 7d` runs it.
 *
 * @example
 * ```ts
 * const pruned = await pruneAbandonedRuns({ connection: 'redis://127.0.0.1:6379', olderThanMs: 7 * 86_400_000 });
 * for (const run of pruned) console.log(run.rootRunId, run.queueName, run.removed);
 * ```
 */
export async function pruneAbandonedRuns(options: PruneAbandonedRunsOptions): Promise<AbandonedRun[]> {
  if (!(Number.isFinite(options.olderThanMs) && options.olderThanMs >= 0)) throw new RangeError(`pruneAbandonedRuns: olderThanMs must be a number of milliseconds, 0 or more (got ${String(options.olderThanMs)})`);
  const prefix = options.prefix ?? 'portflow';
  const connection = redisOptions(options.connection);
  const redis = new Redis({ ...connection, lazyConnect: true });
  const queues = new Map<string, Queue>();
  const base = `${prefix}:portflow:jobs:`;
  const cutoff = Date.now() - options.olderThanMs;
  const found: AbandonedRun[] = [];
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${globEscape(base)}*`, 'COUNT', 1000);
      cursor = next;
      for (const setKey of keys) {
        const rest = setKey.slice(base.length);
        const colon = rest.indexOf(':');
        if (colon <= 0) continue;
        const queueName = rest.slice(0, colon);
        const escapedRoot = rest.slice(colon + 1);
        // Hold the chain's lease while looking and removing: a run that resumes the chain meanwhile waits, and a run that drives it is left alone.
        const rootRunId = unescapeComponent(escapedRoot);
        const leaseKey = leaseKeyOf(prefix, rootRunId);
        const lease = leaseValueOf(`prune-${randomUUID()}`);
        if ((await redis.set(leaseKey, lease, 'PX', PRUNE_LEASE_MS, 'NX')) !== 'OK') continue;
        try {
          const jobIds = await redis.smembers(setKey);
          const activity = await lastActivity(redis, prefix, queueName, jobIds);
          if (activity.running || (activity.at !== undefined && activity.at > cutoff)) continue;
          let removed = 0;
          let left: string[] = [];
          if (options.dryRun !== true) {
            let queue = queues.get(queueName);
            if (queue === undefined) queues.set(queueName, (queue = new Queue(queueName, { connection: bullmqConnection(connection), prefix })));
            ({ left } = await removeChainJobs({ redis, queue, prefix, queueName, setKey, blobs: options.blobs }));
            removed = jobIds.length - left.length;
          }
          found.push({ rootRunId, queueName, jobs: jobIds.length, lastActivityAt: activity.at, removed, left });
        } finally {
          await releaseLease(redis, leaseKey, lease);
        }
      }
    } while (cursor !== '0');
    return found;
  } finally {
    await Promise.allSettled([...queues.values()].map((queue) => queue.close()));
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** The newest add, start or finish time among the jobs, and whether a worker holds one's lock. */
async function lastActivity(redis: Redis, prefix: string, queueName: string, jobIds: readonly string[]): Promise<{ at: number | undefined; running: boolean }> {
  let at: number | undefined;
  let running = false;
  for (let i = 0; i < jobIds.length; i += 500) {
    const batch = jobIds.slice(i, i + 500);
    const pipeline = redis.pipeline();
    for (const jobId of batch) {
      pipeline.hmget(`${prefix}:${queueName}:${jobId}`, 'timestamp', 'processedOn', 'finishedOn');
      pipeline.exists(`${prefix}:${queueName}:${jobId}:lock`);
    }
    const replies = (await pipeline.exec()) ?? [];
    for (let j = 0; j < replies.length; j += 2) {
      const [error, times] = replies[j]!;
      if (error !== null) throw error;
      for (const time of times as (string | null)[]) {
        const n = time === null ? NaN : Number(time);
        if (Number.isFinite(n)) at = Math.max(at ?? n, n);
      }
      if (replies[j + 1]![1] === 1) running = true;
    }
  }
  return { at, running };
}

/** `s` with Redis glob characters escaped, for SCAN MATCH. */
function globEscape(s: string): string {
  return s.replace(/[\\*?[\]]/g, (c) => `\\${c}`);
}
