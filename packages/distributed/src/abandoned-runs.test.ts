import type { Redis } from 'ioredis';
import { silentLogger, type ExecutionContext } from '@portflow/core';
import { pruneAbandonedRuns } from './abandoned-runs';
import { BullMQExecutor } from './bullmq-executor';
import { chainJobsKeyOf, jobIdOf, queueNameOf } from './protocol';
import { leaseKeyOf } from './run-lease';
import { connectTestRedis, deleteKeysUnder, keysUnder, REDIS_URL, testPrefix } from './testing/redis';
import { loadFixtures, PACKAGE_DIR, spawnWorker, type WorkerProcess } from './testing/worker-process';

jest.setTimeout(60_000); // upper bound only: nothing here waits on the clock

const F = loadFixtures();
const prefix = testPrefix();
const queueName = queueNameOf('prune', 'test');
let redis: Redis;
let worker: WorkerProcess;

beforeAll(async () => {
  redis = await connectTestRedis();
  worker = await spawnWorker({ prefix, queue: 'prune', concurrency: 2 });
});

afterAll(async () => {
  await worker?.stop();
  await deleteKeysUnder(redis, prefix);
  expect(await keysUnder(redis, prefix)).toEqual([]);
  await redis.quit();
});

function executor(): BullMQExecutor {
  return new BullMQExecutor({ connection: REDIS_URL, prefix, buildId: 'test', root: PACKAGE_DIR, queue: 'prune' });
}

function context(runId: string, operationId: string, signal = new AbortController().signal): ExecutionContext {
  return { runId, operationId, attempt: 1, idempotencyKey: `${runId}/${operationId}`, signal, logger: silentLogger, variables: {}, reportProgress: () => undefined };
}

const jobKey = (run: string, op: string): string => `${prefix}:${queueName}:${jobIdOf(run, op, 1)}`;

describe('pruneAbandonedRuns', () => {
  it("removes the jobs of chains no coordinator drives once they are idle long enough, and never a live run's", async () => {
    // 'dead': its coordinator ran two operations and went away without ending the run (no run end, no lease).
    const gone = executor();
    expect(await gone.execute(new F.Hold({ id: 'a', params: { ms: 0, tag: 1 } }), {}, context('dead', 'a'))).toEqual({ tag: 1 });
    expect(await gone.execute(new F.Hold({ id: 'b', params: { ms: 0, tag: 2 } }), {}, context('dead', 'b'))).toEqual({ tag: 2 });
    await gone.close(); // gives the lease up, leaves the jobs (a resume would adopt them)
    expect(await redis.exists(leaseKeyOf(prefix, 'dead'))).toBe(0);

    // 'live': its coordinator is running it (it holds the lease) and its first job has finished.
    const live = executor();
    expect(await live.execute(new F.Hold({ id: 'a', params: { ms: 0, tag: 3 } }), {}, context('live', 'a'))).toEqual({ tag: 3 });
    try {
      // Too recent: nothing is touched.
      expect(await pruneAbandonedRuns({ connection: REDIS_URL, prefix, olderThanMs: 3_600_000 })).toEqual([]);

      // A dry run lists the dead chain only, and removes nothing.
      const listed = await pruneAbandonedRuns({ connection: REDIS_URL, prefix, olderThanMs: 0, dryRun: true });
      expect(listed).toEqual([{ rootRunId: 'dead', queueName, jobs: 2, lastActivityAt: expect.any(Number), removed: 0, left: [] }]);
      expect(listed[0]!.lastActivityAt).toBeLessThanOrEqual(Date.now());
      expect(await redis.exists(jobKey('dead', 'a'), jobKey('dead', 'b'))).toBe(2);

      // Pruned: the dead chain's jobs and set are gone; the live run's job, set and lease stay.
      const pruned = await pruneAbandonedRuns({ connection: REDIS_URL, prefix, olderThanMs: 0 });
      expect(pruned.map((run) => [run.rootRunId, run.jobs, run.removed, run.left])).toEqual([['dead', 2, 2, []]]);
      expect(await redis.exists(jobKey('dead', 'a'), jobKey('dead', 'b'), chainJobsKeyOf(prefix, queueName, 'dead'))).toBe(0);
      expect(await redis.exists(jobKey('live', 'a'), chainJobsKeyOf(prefix, queueName, 'live'), leaseKeyOf(prefix, 'live'))).toBe(3);
      expect(await pruneAbandonedRuns({ connection: REDIS_URL, prefix, olderThanMs: 0 })).toEqual([]);

      // The live run ends as usual.
      await live.runEnded('live', { rootRunId: 'live', status: 'succeeded', finishedAt: Date.now(), counts: { total: 1, succeeded: 1, failed: 0, skipped: 0, cancelled: 0 } });
      expect(await redis.exists(jobKey('live', 'a'), chainJobsKeyOf(prefix, queueName, 'live'), leaseKeyOf(prefix, 'live'))).toBe(0);
    } finally {
      await live.close();
    }
  });

  it('refuses a negative age', async () => {
    await expect(pruneAbandonedRuns({ connection: REDIS_URL, prefix, olderThanMs: -1 })).rejects.toThrow('olderThanMs must be a number of milliseconds, 0 or more (got -1)');
  });
});
