import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openRunStore } from '@portflow/store';
import { Client } from 'pg';

const COUNT = 5;

/** A child running a run manager (see __fixtures__/killable-manager.ts); its messages in order. */
function child(location: string, effects: string, mode: 'kill' | 'recover'): { process: ChildProcess; next(): Promise<string>; exited: Promise<number | null> } {
  const proc = fork(join(__dirname, '__fixtures__', 'killable-manager.ts'), [], {
    execArgv: ['-r', require.resolve('ts-node/register/transpile-only')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue: string[] = [];
  const waiting: ((m: string) => void)[] = [];
  proc.on('message', (m: unknown) => {
    const w = waiting.shift();
    if (w !== undefined) w(String(m));
    else queue.push(String(m));
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  proc.send({ location, blobs: join(dirname(effects), 'objects'), effects, mode, count: COUNT });
  return {
    process: proc,
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise<string>((resolve) => waiting.push(resolve))),
    exited,
  };
}

function expectMessage(message: string, prefix: string): string {
  if (!message.startsWith(`${prefix} `) && message !== prefix) throw new Error(`child said: ${message}`);
  return message.slice(prefix.length + 1);
}

/** How many times each `<step> <key>` line was written. */
function effects(file: string): Record<string, number> {
  const counts: Record<string, number> = {};
  if (existsSync(file)) for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) counts[line] = (counts[line] ?? 0) + 1;
  return counts;
}

/** Where a test's store lives: a SQLite file in its directory, or a PostgreSQL schema of its own. */
interface Target {
  readonly name: string;
  location(dir: string): Promise<string>;
  cleanup(location: string): Promise<void>;
}

const TEST_POSTGRES_URL = process.env.PORTFLOW_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function withPostgres(statement: string): Promise<void> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const sqlite: Target = { name: 'SQLite', location: async (dir) => join(dir, 'store.db'), cleanup: async () => undefined };
const postgres: Target = {
  name: 'PostgreSQL',
  location: async () => `${TEST_POSTGRES_URL}${TEST_POSTGRES_URL.includes('?') ? '&' : '?'}schema=pf_runs_${process.pid}_${Date.now().toString(36)}`,
  cleanup: (location) => withPostgres(`DROP SCHEMA IF EXISTS "${/schema=(\w+)/.exec(location)![1]}" CASCADE`),
};

describe.each([sqlite, postgres])('RunManager killed with SIGKILL and started again, on $name', (target) => {
  let dir: string;
  let location: string;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portflow-runs-kill-'));
    location = await target.location(dir);
  });

  afterEach(async () => {
    // A failed test leaves no child behind.
    for (const proc of children.splice(0)) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await target.cleanup(location);
    await rm(dir, { recursive: true, force: true });
  });

  it('finishes every accepted execution exactly once: queued ones start, running ones resume from their checkpoints', async () => {
    const log = join(dir, 'effects.log');
    const killed = child(location, log, 'kill');
    children.push(killed.process);
    // 'ids' (all submitted) and 'held' (two running, their first step stored) come in either order.
    const said = [await killed.next(), await killed.next()].sort();
    expectMessage(said[1]!, 'ids');
    expectMessage(said[0]!, 'held');
    const ids = JSON.parse(expectMessage(said[1]!, 'ids')) as string[];
    expect(ids).toHaveLength(COUNT);
    killed.process.kill('SIGKILL');
    expect(await killed.exited).toBeNull();
    expect(effects(log)).toEqual({ 'effect k0': 1, 'effect k1': 1 });

    const recovering = child(location, log, 'recover');
    children.push(recovering.process);
    const report = JSON.parse(expectMessage(await recovering.next(), 'recovered')) as { resumed: string[]; requeued: string[]; skipped: string[] };
    await recovering.exited;
    expect(report).toEqual({ resumed: ids.slice(0, 2), requeued: ids.slice(2), skipped: [] });
    const keys = ids.map((_, i) => `k${i}`);
    expect(effects(log)).toEqual(Object.fromEntries(keys.flatMap((k) => [[`effect ${k}`, 1], [`report ${k}`, 1]])));

    const store = await openRunStore(location, { blobs: join(dir, 'objects') });
    try {
      for (const [i, id] of ids.entries()) {
        const execution = (await store.getExecution(id))!;
        expect(execution).toMatchObject({ status: 'succeeded', params: { key: `k${i}` } });
        expect(execution.runIds).toHaveLength(i < 2 ? 2 : 1);
        const last = await store.operations(execution.runIds[execution.runIds.length - 1]!);
        expect(last.filter((op) => op.restored).map((op) => op.operationId)).toEqual(i < 2 ? ['effect'] : []);
        if (i < 2) expect(await store.getRun(execution.runIds[1]!)).toMatchObject({ status: 'succeeded', resumedFrom: execution.runIds[0] });
      }
    } finally {
      await store.close();
    }
  }, 60_000);
});
