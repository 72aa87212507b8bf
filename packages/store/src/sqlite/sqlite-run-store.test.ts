import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { describeRunStore, runStart, succeeded } from '../__fixtures__/describe-run-store';
import { sqliteTarget } from '../__fixtures__/store-targets';
import { StoreUnavailableError } from '../errors';
import { openRunStore } from '../open-run-store';
import type { RunStore } from '../run-store';

describeRunStore('SQLite', sqliteTarget);

describe('RunStore on SQLite: the file', () => {
  let dir: string;
  const stores: RunStore[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portflow-sqlite-'));
  });

  afterEach(async () => {
    await Promise.allSettled(stores.splice(0).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  const open = async (location: string): Promise<RunStore> => {
    const store = await openRunStore(location);
    stores.push(store);
    return store;
  };

  it('creates the file and its directories, in WAL mode, with foreign keys enforced', async () => {
    const file = join(dir, 'nested', 'deeper', 'store.db');
    const store = await open(file);
    expect(store.location).toBe(file);
    const db = new Database(file);
    try {
      expect(db.prepare('PRAGMA journal_mode').get()).toMatchObject({ journal_mode: 'wal' });
    } finally {
      db.close();
    }
    // Foreign keys are a per-connection setting: the store's own connection must refuse an orphan record.
    store.recordOperation('no-such-run', succeeded('a'));
    await expect(store.flush()).rejects.toThrow(/FOREIGN KEY/);
  });

  it('takes a directory to mean store.db inside it, with blobs in objects/ beside it', async () => {
    const store = await open(dir);
    expect(store.location).toBe(join(dir, 'store.db'));
    expect(store.blobs.location).toBe(join(dir, 'objects'));
    expect(existsSync(join(dir, 'store.db'))).toBe(true);
  });

  it('takes a file: URL', async () => {
    const store = await open(`file://${join(dir, 'url.db')}`);
    expect(store.location).toBe(join(dir, 'url.db'));
  });

  it('refuses a file that is not a SQLite database, saying what to do', async () => {
    const file = join(dir, 'notes.db');
    await writeFile(file, 'These are my notes, not a database. '.repeat(200));
    const opening = openRunStore(file);
    await expect(opening).rejects.toThrow(StoreUnavailableError);
    await expect(opening).rejects.toThrow(/Cannot open the run store .*notes\.db: file is not a database\. The file exists but is not a SQLite database/);
  });

  it('refuses a location whose directory cannot be created', async () => {
    await writeFile(join(dir, 'file'), 'x');
    await expect(openRunStore(join(dir, 'file', 'sub', 'store.db'))).rejects.toThrow(/Cannot create the directory .*file\/sub for the run store/);
  });

  it('lets another process write different runs to the same file at the same time', async () => {
    const file = join(dir, 'shared.db');
    const store = await open(file);
    const child = fork(join(__dirname, '..', '__fixtures__', 'concurrent-writer.ts'), [], {
      execArgv: ['-r', require.resolve('ts-node/register/transpile-only')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const messages: string[] = [];
    const message = (expected: string) =>
      new Promise<void>((resolve, reject) => {
        child.on('message', function on(m: unknown) {
          messages.push(String(m));
          if (m === expected) {
            child.off('message', on);
            resolve();
          } else if (typeof m === 'string' && m.startsWith('error')) reject(new Error(m));
        });
      });
    try {
      const ready = message('ready');
      child.send({ location: file, prefix: 'child', runs: 30 });
      await ready;
      const done = message('done');
      child.send('go');
      // The parent writes its own runs while the child writes its.
      for (let i = 0; i < 30; i++) {
        await store.startRun(runStart(`parent-r${i}`, { startedAt: i }));
        for (let op = 0; op < 5; op++) store.recordOperation(`parent-r${i}`, succeeded(`op${op}`));
        store.appendEvents(`parent-r${i}`, [{ type: 'x', payload: i }]);
      }
      await store.flush();
      await done;
    } finally {
      child.kill();
      await exited;
    }
    const runs = (await store.listRuns({ limit: 1000 })).runs.map((r) => r.runId);
    expect(runs.filter((id) => id.startsWith('parent-'))).toHaveLength(30);
    expect(runs.filter((id) => id.startsWith('child-'))).toHaveLength(30);
    for (const id of runs) {
      expect(await store.operations(id)).toHaveLength(5);
      expect((await store.events(id)).map((e) => e.seq)).toEqual([1]);
    }
    expect((await store.getRun('child-r0'))?.status).toBe('succeeded');
  }, 30_000);
});
