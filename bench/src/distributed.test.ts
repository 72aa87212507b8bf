import { Redis } from 'ioredis';
import { DEFAULTS, measureDistributed, renderDistributed } from './distributed';

const REDIS_URL = process.env.PORTFLOW_TEST_REDIS ?? 'redis://127.0.0.1:6379';

describe('the distributed benchmark', () => {
  it('runs raw BullMQ and Portflow on 1 and 2 worker processes and the CPU comparison, scaled down, with correct results and every field (shape only, never times)', async () => {
    const figures = await measureDistributed({ ...DEFAULTS, redis: REDIS_URL, ops: 20, reps: 1, cpuTasks: 2, cpuMs: 20, profile: true });
    expect(figures.correct).toBe(true);
    expect(figures.noop.map((c) => `${c.shape}/${c.workers}`)).toEqual(['wide/1', 'chain/1', 'wide/2', 'chain/2']);
    for (const c of figures.noop) {
      for (const side of [c.raw, c.portflow]) {
        expect(side.samples).toHaveLength(1);
        expect(side.usPerOp).toBeGreaterThan(0);
        expect(side.coordinatorCpuUsPerOp).toBeGreaterThan(0);
        expect(Number.isNaN(side.workersCpuUsPerOp)).toBe(false);
        // Every operation adds one job: the profile counted the executor's and the raw queue's adds.
        expect(side.commandsPerOp!.coordinator['evalsha:addStandardJob:6.7.0']).toBe(1);
        if (c.shape === 'chain') {
          expect(side.hopP50Ms).toBeGreaterThan(0);
          expect(side.hopP99Ms).toBeGreaterThanOrEqual(side.hopP50Ms!);
        } else {
          expect(side.hopP50Ms).toBeUndefined();
        }
      }
      expect(c.ratio).toBeCloseTo(c.portflow.usPerOp / c.raw.usPerOp, 9);
      expect(c.load).toHaveLength(3);
    }
    const cpu = figures.cpu!;
    expect(cpu.tasks).toBe(2);
    for (const ms of [cpu.singleThreadMs, cpu.threadPoolMs, cpu.processesMs]) expect(ms).toBeGreaterThan(0);
    expect(cpu.processesSpeedup).toBeCloseTo(cpu.singleThreadMs / cpu.processesMs, 9);
    expect(Object.keys(cpu.perWorker)).toHaveLength(2);
    expect(figures.budget.worst).toBe(Math.max(...figures.noop.map((c) => c.ratio)));

    const text = renderDistributed(figures);
    expect(text).toMatch(/^Distributed execution: 20 no-op operations/);
    expect(text).toMatch(/\| chain, 2 \| [\d.,]+ \| [\d.,]+ \| \*\*[\d.]+x\*\* \|/);
    expect(text).toMatch(/\| 2 `portflow worker` processes, 1 thread each \| [\d.,]+ \| [\d.]+x \|/);
    expect(text).toMatch(/- budget: Portflow within 1\.5x of raw BullMQ .*: (met|missed) \(worst [\d.]+x\); results correct: yes/);

    // Every prefix the run used is gone from Redis.
    expect(figures.prefixes).toHaveLength(5);
    const redis = new Redis(REDIS_URL);
    try {
      for (const prefix of figures.prefixes) expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    } finally {
      await redis.quit();
    }
  }, 180_000);
});
