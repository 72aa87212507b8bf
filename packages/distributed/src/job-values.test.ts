import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createLogger, ExecutionEngine, GraphDefinition, type LogEntry } from '@portflow/core';
import { BullMQExecutor } from './bullmq-executor';
import { decodeJobValue, encodeJobValue, jobBlobFolder, removeJobBlobs, type BlobReference } from './job-values';
import { queueNameOf, type JobData, type JobOutcome } from './protocol';
import { connectTestRedis, deleteKeysUnder, keysUnder, REDIS_URL, testPrefix } from './testing/redis';
import { loadFixtures, PACKAGE_DIR, spawnWorker, type WorkerProcess } from './testing/worker-process';

jest.setTimeout(120_000); // upper bound only: nothing here waits on the clock

describe('values of jobs', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'portflow-blobs-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('travels inline under the threshold and as a checked file of the blob directory above it', async () => {
    const blobs = { directory: dir, thresholdBytes: 1024 };
    const small = await encodeJobValue({ n: 1 }, blobs, 'run.op.1', 'inputs');
    expect(small).toEqual({ json: { n: 1 } }); // small plain JSON travels as it is
    const smallMap = await encodeJobValue(new Map([['n', 1n]]), blobs, 'run.op.1', 'inputs');
    expect(typeof smallMap).toBe('string'); // v8Codec bytes in base64
    expect(await decodeJobValue(smallMap, undefined, 'run.op.1')).toEqual(new Map([['n', 1n]]));
    const value = new Map<string, unknown>([['bytes', new Uint8Array(4096).fill(7)], ['when', new Date(0)]]);
    const large = (await encodeJobValue(value, blobs, 'run.op.1', 'outputs')) as BlobReference;
    expect(large).toEqual({ blob: `${jobBlobFolder('run.op.1')}/outputs.v8`, bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await decodeJobValue(large, blobs, 'run.op.1')).toEqual(value);
    expect(await decodeJobValue(small, undefined, 'run.op.1')).toEqual({ n: 1 });
    expect(readdirSync(join(dir, jobBlobFolder('run.op.1')))).toEqual(['outputs.v8']); // no partial file left
    await removeJobBlobs(blobs, 'run.op.1');
    expect(existsSync(join(dir, jobBlobFolder('run.op.1')))).toBe(false);
  });

  it('refuses a reference outside the directory, a process without a directory, and bytes that do not match the hash', async () => {
    const blobs = { directory: dir, thresholdBytes: 0 };
    const ref = (await encodeJobValue('x'.repeat(100), blobs, 'j', 'inputs')) as BlobReference;
    await expect(decodeJobValue({ ...ref, blob: '../../etc/passwd' }, blobs, 'j')).rejects.toThrow('neither inline nor a blob reference');
    await expect(decodeJobValue(ref, undefined, 'j')).rejects.toThrow(/this process has none: give coordinator and workers the same shared directory/);
    writeFileSync(join(dir, ref.blob), 'something else');
    await expect(decodeJobValue(ref, blobs, 'j')).rejects.toThrow(/does not match its hash/);
    rmSync(join(dir, ref.blob));
    await expect(decodeJobValue(ref, blobs, 'j')).rejects.toThrow(/is not in the blob directory \(ENOENT\)/);
  });
});

describe('a distributed run with a blob directory', () => {
  const F = loadFixtures();
  const prefix = testPrefix();
  let redis: Redis;
  let dir: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await connectTestRedis();
    dir = mkdtempSync(join(tmpdir(), 'portflow-blobs-'));
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  it("moves a 1 MiB value through the directory, not Redis, and brings the workers' log lines back to the coordinator's logger", async () => {
    workers.push(await spawnWorker({ prefix, queue: 'big', cli: true, blobs: dir }));
    const lines: LogEntry[] = [];
    // An executor whose runEnded the engine does not see, so that the jobs stay for the checks below; its cleanup runs after them.
    const executor = new BullMQExecutor({ connection: REDIS_URL, prefix, buildId: 'test', root: PACKAGE_DIR, queue: 'big', blobs: { directory: dir } });
    const engine = new ExecutionEngine({
      cpuThreads: Infinity,
      executors: { cpu_bound: { execute: (op, inputs, context) => executor.execute(op, inputs, context), validate: (op) => executor.validate(op), close: () => executor.close() } },
      logger: createLogger((entry) => lines.push(entry)),
    });
    const graph = new GraphDefinition({ name: 'blobs' });
    const big = new F.Megabyte({ id: 'megabyte', params: { seed: 3 } });
    const check = new F.Checksum({ id: 'checksum' });
    graph.connect(big, 'data', check, 'data');
    graph.add(new F.Chatty({ id: 'chatty', params: { step: 5 } }));
    let runId: string;
    try {
      const result = await engine.run(graph, { retainOutputs: true });
      expect(result.getErrorMessage()).toBeUndefined();
      expect((result.getOutput('checksum', 'digest') as Map<string, number>).get('length')).toBe(1024 * 1024);
      expect((result.getOutput('megabyte', 'data') as Uint8Array).byteLength).toBe(1024 * 1024);
      runId = result.runId;
    } finally {
      await engine.close();
    }
    const queue = new Queue(queueNameOf('big', 'test'), { connection: { url: REDIS_URL }, prefix });
    try {
      const jobs = await queue.getJobs(['completed']);
      const made = jobs.find((j) => (j.data as JobData).operationId === 'megabyte')!;
      const read = jobs.find((j) => (j.data as JobData).operationId === 'checksum')!;
      expect(typeof (made.returnvalue as JobOutcome & { ok: true }).outputs).toBe('object'); // a reference, not the bytes
      expect(JSON.stringify(made.returnvalue).length).toBeLessThan(1024);
      expect(typeof (read.data as JobData).inputs).toBe('object');
      expect(JSON.stringify(read.data).length).toBeLessThan(4096);
      expect(readdirSync(dir).length).toBeGreaterThan(0);
    } finally {
      await queue.close();
    }
    // The run's end removes its jobs and their blob files.
    const cleaner = new BullMQExecutor({ connection: REDIS_URL, prefix, buildId: 'test', root: PACKAGE_DIR, queue: 'big', blobs: { directory: dir } });
    try {
      await cleaner.runEnded(runId, { rootRunId: runId, status: 'succeeded', finishedAt: Date.now(), counts: { total: 3, succeeded: 3, failed: 0, skipped: 0, cancelled: 0 } });
    } finally {
      await cleaner.close();
    }
    expect(readdirSync(dir)).toEqual([]);
    expect(await keysUnder(redis, `${prefix}:${queueNameOf('big', 'test')}:${runId}`)).toEqual([]);
    const remote = lines.filter((l) => l.fields.remote === true && l.fields.operationId === 'chatty');
    expect(remote.map((l) => `${l.level} ${l.message}`)).toEqual(['info step 5 starts', 'warn almost done']);
    expect(remote[1]!.fields).toMatchObject({ step: 5, main: false, runId, attempt: 1 });
  });
});
