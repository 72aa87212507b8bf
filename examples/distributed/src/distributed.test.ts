import { Redis } from 'ioredis';
import type { EngineEvent } from '@portflow/core';
import { ExecutionEngine } from '@portflow/core';
import { buildTrainingGraph, trainingInputs } from '@portflow/example-ml-training/dist/training-graph';
import type * as Example from './example';
import type * as Ml from './ml';
import { countPrimes } from './operations';

jest.setTimeout(120_000); // upper bound only: nothing waits on the clock

// Worker processes load JavaScript: the coordinator uses the same build, so that its jobs name ./dist/operations.js.
const { runDistributedExample } = require('../dist/example.js') as typeof Example; // eslint-disable-line @typescript-eslint/no-require-imports
const { runTrainingOnWorkers } = require('../dist/ml.js') as typeof Ml; // eslint-disable-line @typescript-eslint/no-require-imports
const REDIS_URL = process.env.PORTFLOW_TEST_REDIS ?? 'redis://127.0.0.1:6379';

async function keysUnder(prefix: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL);
  try {
    return await redis.keys(`${prefix}:*`);
  } finally {
    await redis.quit();
  }
}

describe('examples/distributed', () => {
  it('counts primes on two `portflow worker` processes it starts, says which ran what, and leaves no keys behind', async () => {
    const outcome = await runDistributedExample({ redis: REDIS_URL, workers: 2, chunks: 6, chunkSize: 20_000 });
    expect(outcome.result.getErrorMessage()).toBeUndefined();
    expect(outcome.result.status).toBe('succeeded');
    expect(outcome.total).toBe(countPrimes(0, 120_000));
    expect(outcome.total).toBe(11_301);
    expect(outcome.rows.map((r) => r.count)).toEqual(outcome.rows.map((r) => countPrimes(r.from, r.to)));
    expect(outcome.workerPids).toHaveLength(2);
    expect(outcome.workerPids).not.toContain(process.pid);
    for (const row of outcome.rows) expect(outcome.workerPids.map((pid) => `pid ${pid}`)).toContain(row.worker);
    expect(outcome.prefix).toMatch(/^portflow-example-/);
    expect(await keysUnder(outcome.prefix)).toEqual([]);
  });

  it('cancels the run when its signal aborts (Ctrl-C in main.ts): ranges not started never run', async () => {
    const controller = new AbortController();
    const onEvent = (e: EngineEvent): void => {
      if (e.type === 'OperationCompleted' && e.operationId.startsWith('range')) controller.abort('enough');
    };
    const outcome = await runDistributedExample({ redis: REDIS_URL, workers: 2, chunks: 40, chunkSize: 50_000, signal: controller.signal, onEvent });
    expect(outcome.result).toMatchObject({ status: 'cancelled', reason: 'enough' });
    expect(outcome.total).toBeUndefined();
    const done = outcome.rows.filter((r) => r.count !== undefined);
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(done.length).toBeLessThan(40);
    expect(await keysUnder(outcome.prefix)).toEqual([]);
  });

  it("runs the ML example's training graph with its training step on the workers, with the outputs of an in-process run", async () => {
    const options = { samples: 4000, epochs: 150 };
    const local = await new ExecutionEngine().run(buildTrainingGraph().graph, { inputs: trainingInputs(options) });
    const progress: number[] = [];
    const outcome = await runTrainingOnWorkers({
      redis: REDIS_URL,
      workers: 2,
      ...options,
      onEvent: (e) => void (e.type === 'OperationProgress' && e.operationId === 'train' && progress.push(e.fraction)),
    });
    expect(outcome.result.getErrorMessage()).toBeUndefined();
    expect(outcome.outputs).toEqual(local.outputs); // model, every epoch's loss, metrics, baseline, summary: the same numbers
    expect(outcome.outputs!.losses).toHaveLength(150);
    // The epochs' progress came back from the worker, in order (best effort: the outcome may be read from the job before the last ones).
    expect(progress.length).toBeGreaterThan(0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(outcome.workerPids).toHaveLength(2);
    expect(await keysUnder(outcome.prefix)).toEqual([]);
  });

  it('fails the training step at once, naming the worker to start, when no worker serves its queue', async () => {
    const prefix = `portflow-example-none-${process.pid}`;
    const outcome = await runTrainingOnWorkers({ redis: REDIS_URL, workers: 0, prefix, epochs: 5, samples: 200 });
    expect(outcome.result.status).toBe('failed');
    expect(outcome.result.getErrorMessage()).toMatch(/Operation 'train' cannot run: no live worker serves queue 'cpu' with build id 'example'/);
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}:*`);
      expect(keys.filter((key) => /:(wait|active|completed|failed)$/.test(key))).toEqual([]); // no job was added
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      await redis.quit();
    }
  });
});
