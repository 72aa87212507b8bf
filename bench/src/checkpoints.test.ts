import { measureCheckpoints, renderCheckpoints } from './checkpoints';

describe('the checkpoint benchmark', () => {
  it('measures every store on a tiny graph and renders a table (shape only, never times)', async () => {
    const figures = await measureCheckpoints({ n: 30, reps: 1, warmup: 1, postgres: process.env.PORTFLOW_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
    expect(figures.rows.map((r) => r.label)).toEqual(['no store', 'in memory (MemoryCheckpointStore)', 'SQLite (libsql, WAL)', 'PostgreSQL (pg)']);
    for (const row of figures.rows) {
      expect(row.usPerOp).toBeGreaterThan(0);
      expect(row.cpuUsPerOp).toBeGreaterThan(0);
    }
    expect(renderCheckpoints(figures)).toMatch(/\| SQLite \(libsql, WAL\) \| [\d.]+ \| [-\d.]+ \|/);
  }, 60_000);
});
