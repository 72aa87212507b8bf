/**
 * Removing the jobs a resume chain added to one queue, with their blob
 * files, cancel keys and the chain's job set: what a run's end does, and
 * what pruning an abandoned chain does.
 * @internal
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { removeJobBlobs, type BlobOptions } from './job-values';
import { cancelKeyOf } from './protocol';

/** Where a chain's jobs are. */
export interface ChainJobs {
  readonly redis: Redis;
  readonly queue: Queue;
  readonly prefix: string;
  readonly queueName: string;
  /** The chain's job set (`chainJobsKeyOf`). */
  readonly setKey: string;
  readonly blobs: BlobOptions | undefined;
}

/**
 * Removes finished jobs in one script call per 500 (BullMQ's `removeJob` is
 * one script call per job, about 34 µs of Redis each here, plus a `removed`
 * event every listener reads): for each id, a job in the queue's `completed`
 * or `failed` set, unlocked, with no parent and no deduplication id (what
 * Portflow's jobs are) leaves that set and its keys are deleted, as
 * `removeJob` would; an id whose job is gone counts as removed; every other
 * id (waiting, active, or anything unexpected) is returned for BullMQ's own
 * `remove`. Reading BullMQ's layout is safe here: a job it does not find
 * where this expects goes the official way.
 */
const REMOVE_FINISHED = `
local base = ARGV[1]
local removed, others = {}, {}
for i = 2, #ARGV do
  local id = ARGV[i]
  local key = base .. id
  local set = nil
  if redis.call('ZSCORE', base .. 'completed', id) then set = 'completed'
  elseif redis.call('ZSCORE', base .. 'failed', id) then set = 'failed' end
  local links = redis.call('HMGET', key, 'parentKey', 'deid')
  if set and not links[1] and not links[2] and redis.call('EXISTS', key .. ':lock') == 0 then
    redis.call('ZREM', base .. set, id)
    redis.call('DEL', key, key .. ':logs', key .. ':dependencies', key .. ':processed', key .. ':failed', key .. ':unsuccessful')
    removed[#removed + 1] = id
  elseif redis.call('EXISTS', key) == 0 then
    removed[#removed + 1] = id
  else
    others[#others + 1] = id
  end
end
return { removed, others }`;

/**
 * Removes every job of the chain's set. A job a worker runs (it holds its
 * lock) cannot be removed: it is tried again every `pollMs` until `waitMs`
 * has passed (0: one try), then left, with its id kept in the set. Returns
 * the ids removed (or already gone) and those left.
 */
export async function removeChainJobs(chain: ChainJobs, waitMs = 0, pollMs = 1000): Promise<{ removed: string[]; left: string[] }> {
  const { redis, queue, prefix, queueName, setKey, blobs } = chain;
  const jobIds = await redis.smembers(setKey);
  let left: string[] = [];
  for (let i = 0; i < jobIds.length; i += 500) {
    const [, others] = (await redis.eval(REMOVE_FINISHED, 0, `${prefix}:${queueName}:`, ...jobIds.slice(i, i + 500))) as [string[], string[]];
    left.push(...others);
  }
  const waitUntil = Date.now() + waitMs;
  while (left.length > 0) {
    // remove() refuses a job whose lock a worker holds (0); a job that is gone counts as removed.
    const gone = await Promise.all(left.map(async (jobId) => (await queue.remove(jobId, { removeChildren: false })) === 1 || (await redis.exists(`${prefix}:${queueName}:${jobId}`)) === 0));
    left = left.filter((_, i) => !gone[i]);
    if (left.length === 0 || Date.now() >= waitUntil) break;
    await new Promise<void>((resolveWait) => setTimeout(resolveWait, pollMs));
  }
  const stillThere = new Set(left);
  const removed = jobIds.filter((jobId) => !stillThere.has(jobId));
  await Promise.all(removed.map((jobId) => removeJobBlobs(blobs, jobId)));
  const keys = removed.map((jobId) => cancelKeyOf(prefix, queueName, jobId));
  if (left.length === 0) keys.push(setKey);
  else if (removed.length > 0) await redis.srem(setKey, ...removed);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  return { removed, left };
}
