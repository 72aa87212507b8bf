import { closeDuckDB, configureDuckDB } from './duckdb-runtime';
import { withConnection } from './duckdb-runtime';
import { removeTempDirs, tempDir } from './__fixtures__/workflow-run';

afterAll(async () => {
  configureDuckDB({});
  await closeDuckDB();
  removeTempDirs();
});

describe('the process DuckDB instance', () => {
  it('is opened with the configured threads, memory limit and spill directory', async () => {
    await closeDuckDB();
    const spill = tempDir();
    configureDuckDB({ threads: 1, memoryLimit: '256MB', tempDirectory: spill });
    const settings = await withConnection(undefined, async (connection) =>
      (await connection.runAndReadAll("SELECT current_setting('threads') AS threads, current_setting('temp_directory') AS temp")).getRowObjectsJson()[0],
    );
    expect(settings).toEqual({ threads: '1', temp: spill });
    await closeDuckDB();
  });

  it('interrupts a running query when the signal aborts, with the abort reason', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const running = withConnection(controller.signal, async (connection) => {
      const query = connection.run('SELECT count(*) FROM range(1000000000000) a WHERE md5(a.range::VARCHAR) = \'x\'');
      controller.abort(reason);
      return query;
    });
    await expect(running).rejects.toBe(reason);
  });

  it('refuses to start when the signal has already aborted', async () => {
    await expect(withConnection(AbortSignal.abort(new Error('late')), async () => 1)).rejects.toThrow('late');
  });
});
