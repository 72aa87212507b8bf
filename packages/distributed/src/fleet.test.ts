import type { Redis } from 'ioredis';
import { GraphDefinition, isPortflowError, type ExecutionResult } from '@portflow/core';
import { createDistributedEngine } from './distributed-engine';
import { fleetKeyOf, heartbeatKeyOf, listWorkers } from './fleet';
import { queueNameOf } from './protocol';
import { connectTestRedis, deleteKeysUnder, keysUnder, REDIS_URL, testPrefix } from './testing/redis';
import { loadFixtures, PACKAGE_DIR, spawnWorker } from './testing/worker-process';
import { startWorker, type DistributedWorker } from './worker';

jest.setTimeout(60_000); // upper bound only: nothing here waits on the clock

const F = loadFixtures();
const prefix = testPrefix();
let redis: Redis;
const started: DistributedWorker[] = [];

async function worker(queue: string | string[], buildId = 'test', extra: { heartbeatMs?: number; concurrency?: number; threads?: number } = {}): Promise<DistributedWorker> {
  const w = await startWorker({ connection: REDIS_URL, prefix, buildId, queue, root: PACKAGE_DIR, require: ['./dist/__fixtures__/operations.js'], ...extra });
  started.push(w);
  return w;
}

/** Runs one `Hold` (tag 3, no wait) on `queue`. */
/** The keys of jobs in `queue` (BullMQ's queue metadata, written when a coordinator opens the queue, left out). */
async function jobKeys(queue: string): Promise<string[]> {
  return (await keysUnder(redis, `${prefix}:${queueNameOf(queue, 'test')}`)).filter((key) => !key.endsWith(':meta'));
}

async function runUnserved(queue: string): Promise<ExecutionResult> {
  const graph = new GraphDefinition({ name: 'unserved' });
  graph.add(new F.Hold({ id: 'unserved', params: { ms: 0, tag: 3 } }));
  const engine = createDistributedEngine({ connection: REDIS_URL, prefix, buildId: 'test', root: PACKAGE_DIR, queues: { cpu_bound: queue } });
  try {
    return await engine.run(graph);
  } finally {
    await engine.close();
  }
}

beforeAll(async () => {
  redis = await connectTestRedis();
});

afterAll(async () => {
  await Promise.all(started.map((w) => w.close()));
  if (redis === undefined) return;
  await deleteKeysUnder(redis, prefix);
  const left = await keysUnder(redis, prefix);
  await redis.quit();
  expect(left).toEqual([]);
});

describe('worker heartbeats and listWorkers', () => {
  it('lists a running worker with what it serves, and forgets it when it closes', async () => {
    const w = await worker(['hb-a', 'hb-b'], 'v7', { concurrency: 3, threads: 2, heartbeatMs: 400 });
    const [info, ...others] = await listWorkers({ connection: REDIS_URL, prefix });
    expect(others).toEqual([]);
    expect(info).toMatchObject({
      id: w.id,
      pid: process.pid,
      queues: ['hb-a', 'hb-b'],
      queueNames: [queueNameOf('hb-a', 'v7'), queueNameOf('hb-b', 'v7')],
      buildId: 'v7',
      concurrency: 3,
      threads: 2,
      running: 0,
      heartbeatMs: 400,
      node: process.versions.node,
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    expect(info!.startedAt).toBeLessThanOrEqual(info!.beatAt);
    // The heartbeat expires by itself (three beats) if the worker dies without closing.
    const ttl = await redis.pttl(heartbeatKeyOf(prefix, w.id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1200);
    expect(await redis.pttl(fleetKeyOf(prefix))).toBeGreaterThan(0);

    await w.close();
    expect(await listWorkers({ connection: REDIS_URL, prefix })).toEqual([]);
    expect(await redis.exists(heartbeatKeyOf(prefix, w.id), fleetKeyOf(prefix))).toBe(0);
  });

  it('drops a worker whose heartbeat expired (it died without closing) from the list and the index', async () => {
    await redis.zadd(fleetKeyOf(prefix), Date.now(), 'ghost:1:dead');
    expect(await listWorkers({ connection: REDIS_URL, prefix })).toEqual([]);
    expect(await redis.zscore(fleetKeyOf(prefix), 'ghost:1:dead')).toBeNull();
  });
});

describe('the coordinator fails fast when no worker serves a queue', () => {
  it('fails the operation with NoWorkerError naming the queue and the command to start, and adds no job', async () => {
    const result = await runUnserved('nobody');
    expect(result.status).toBe('failed');
    const error = result.errors[0]?.error;
    expect(isPortflowError(error, 'PORTFLOW_NO_WORKER')).toBe(true);
    expect((error as Error).name).toBe('NoWorkerError');
    expect((error as Error).message).toMatch(/Operation 'unserved' cannot run: no live worker serves queue 'nobody' with build id 'test'/);
    expect((error as Error).message).toContain(`portflow worker --redis ${REDIS_URL} --prefix ${prefix} --queue nobody --build-id test`);
    expect(await jobKeys('nobody')).toEqual([]);
  });

  it('says so when workers serve the queue for another build id only', async () => {
    const other = await worker('built', 'other-build');
    try {
      const result = await runUnserved('built');
      const error = result.errors[0]?.error as Error;
      expect(isPortflowError(error, 'PORTFLOW_NO_WORKER')).toBe(true);
      expect(error.message).toMatch(/Workers serve queue 'built' for build id 'other-build' only: coordinator and workers must use the same build id/);
      expect(await jobKeys('built')).toEqual([]);
    } finally {
      await other.close();
    }
  });

  /** Writes the heartbeat of a worker that does not exist (it is dropped from the index in `finally` of the test). */
  async function forgeWorker(id: string, fields: { queue: string; queueName: string; node: string; version: string }): Promise<void> {
    const now = Date.now();
    const info = { id, host: 'elsewhere', pid: 4242, queues: [fields.queue], queueNames: [fields.queueName], buildId: 'test', concurrency: 1, threads: 0, version: fields.version, node: fields.node, startedAt: now, beatAt: now, running: 0, heartbeatMs: 60_000 };
    await redis.set(heartbeatKeyOf(prefix, id), JSON.stringify(info), 'PX', 60_000);
    await redis.zadd(fleetKeyOf(prefix), now, id);
  }

  it('says so when workers of this build run an older Portflow that names queues otherwise', async () => {
    const id = 'elsewhere:4242:older';
    await forgeWorker(id, { queue: 'older', queueName: 'older-test', node: process.versions.node, version: '0.0.9' });
    try {
      const error = (await runUnserved('older')).errors[0]?.error as Error;
      expect(isPortflowError(error, 'PORTFLOW_NO_WORKER')).toBe(true);
      expect(error.message).toContain(`Workers of build id 'test' on Node.js ${process.versions.node.split('.')[0]} serve queue 'older', but under another Redis queue name: they run @portflow/distributed 0.0.9`);
      expect(await jobKeys('older')).toEqual([]);
    } finally {
      await redis.del(heartbeatKeyOf(prefix, id));
      await redis.zrem(fleetKeyOf(prefix), id);
    }
  });

  it('says so when workers of this build run another Node.js major only (their queue is another)', async () => {
    const id = 'elsewhere:4242:oldnode';
    await forgeWorker(id, { queue: 'oldnode', queueName: queueNameOf('oldnode', 'test', 99), node: '99.1.0', version: '0.0.0' });
    try {
      expect(queueNameOf('oldnode', 'test')).toBe(`oldnode-test-node${process.versions.node.split('.')[0]}`);
      const result = await runUnserved('oldnode');
      const error = result.errors[0]?.error as Error;
      expect(isPortflowError(error, 'PORTFLOW_NO_WORKER')).toBe(true);
      expect(error.message).toContain(`Workers serve queue 'oldnode' with build id 'test' on Node.js 99 only, and this coordinator runs Node.js ${process.versions.node.split('.')[0]}`);
      expect(error.message).toContain('coordinator and workers must run the same major');
      expect(await jobKeys('oldnode')).toEqual([]);
    } finally {
      await redis.del(heartbeatKeyOf(prefix, id));
      await redis.zrem(fleetKeyOf(prefix), id);
    }
  });

  it('enqueues when a live worker serves the queue, and fails fast again once it closed', async () => {
    const w = await spawnWorker({ prefix, queue: 'served' }); // a process of its own: outputs encoded under jest's realm would not pass core's checks
    try {
      const result = await runUnserved('served');
      expect(result.getErrorMessage()).toBeUndefined();
      expect(result.getOutput('unserved', 'tag')).toBe(3);
      expect(await jobKeys('served')).not.toEqual([]);
    } finally {
      await w.stop();
    }
    expect(await w.exited).toBe(0);
    expect(isPortflowError((await runUnserved('served')).errors[0]?.error, 'PORTFLOW_NO_WORKER')).toBe(true);
  });
});
