import { FULL, latency, measureServiceLoad, renderServiceLoad } from './service-load';

describe('the service load script', () => {
  it('submits through a full queue from several clients, losing and duplicating nothing (scaled down)', async () => {
    // Room for 2 (1 running, 1 queued) and executions of 50 ms for 6 concurrent clients: the third
    // submission of the first round finds the service full however slow the machine, so retries are exercised.
    const figures = await measureServiceLoad({ ...FULL, submissions: 60, clients: 6, maxConcurrentRuns: 1, maxQueuedRuns: 1, retryAfterMs: 20, stepMs: 50, timeLimitS: 90 });
    expect(figures.failures).toEqual([]);
    expect(figures.accepted).toBe(60);
    expect(figures.lost).toBe(0);
    expect(figures.duplicates).toBe(0);
    expect(figures.stored).toBe(60);
    expect(figures.finishedInTime).toBe(true);
    expect(figures.completed).toEqual({ succeeded: 60 });
    expect(figures.rejected429).toBeGreaterThan(0);
    expect(figures.retries).toBe(figures.rejected429);
    expect(figures.callLatency.count).toBe(60 + figures.retries);
    expect(figures.submitLatency.count).toBe(60);
    expect(figures.submitLatency.p99).toBeGreaterThanOrEqual(figures.submitLatency.p50);
    expect(renderServiceLoad(figures)).toMatch(/\| duplicates \| 0 \|\n\| lost \| 0 \|/);
  }, 120_000);

  it('takes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 200 }, (_, i) => 200 - i);
    expect(latency(samples)).toEqual({ count: 200, p50: 100, p99: 198, max: 200 });
    expect(latency([]).count).toBe(0);
  });
});
