import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { readSse } from './__fixtures__/sse';

const COUNT = 6;
const BATCH = ['name: batch', 'variables: { tag: t }', 'pipeline:', '  - { name: effect, operation: mark, params: { step: effect } }', '  - { name: hold, operation: hold, depends_on: [effect] }', '  - { name: report, operation: mark, params: { step: report }, depends_on: [hold] }', ''].join('\n');

/** A child serving `batch` (see __fixtures__/killable-server.ts); its messages in order. */
function child(job: { workflows: string; location: string; effects: string; mode: 'kill' | 'recover' }) {
  const proc = fork(join(__dirname, '__fixtures__', 'killable-server.ts'), [], {
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
  proc.send(job);
  const next = async (prefix: string): Promise<string> => {
    const message = queue.length > 0 ? queue.shift()! : await new Promise<string>((resolve) => waiting.push(resolve));
    if (!message.startsWith(`${prefix} `) && message !== prefix) throw new Error(`expected '${prefix}', the server said: ${message}`);
    return message.slice(prefix.length + 1);
  };
  return { process: proc, next, exited };
}

function effects(file: string): Record<string, number> {
  const counts: Record<string, number> = {};
  if (existsSync(file)) for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) counts[line] = (counts[line] ?? 0) + 1;
  return counts;
}

const TEST_POSTGRES_URL = process.env.PORTFLOW_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
async function inPostgres(statement: string): Promise<void> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

interface Target {
  readonly name: string;
  location(dir: string): string;
  cleanup(location: string): Promise<void>;
}
const sqlite: Target = { name: 'SQLite', location: (dir) => join(dir, 'store.db'), cleanup: async () => undefined };
const postgres: Target = {
  name: 'PostgreSQL',
  location: () => `${TEST_POSTGRES_URL}${TEST_POSTGRES_URL.includes('?') ? '&' : '?'}schema=pf_serve_${process.pid}_${Date.now().toString(36)}`,
  cleanup: (location) => inPostgres(`DROP SCHEMA IF EXISTS "${/schema=(\w+)/.exec(location)![1]}" CASCADE`),
};

describe.each([sqlite, postgres])('the run service killed with SIGKILL and started again, on $name', (target) => {
  let dir: string;
  let location: string;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portflow-serve-kill-'));
    location = target.location(dir);
    writeFileSync(join(dir, 'batch.yaml'), BATCH);
  });

  afterEach(async () => {
    for (const proc of children.splice(0)) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await target.cleanup(location);
    await rm(dir, { recursive: true, force: true });
  });

  it('loses no accepted execution and runs none twice: queued ones start, running ones resume from their last stored step', async () => {
    const job = { workflows: dir, location, effects: join(dir, 'effects.log') };
    const first = child({ ...job, mode: 'kill' });
    children.push(first.process);
    const url = await first.next('listening');
    const ids: string[] = [];
    for (let i = 0; i < COUNT; i++) {
      const response = await fetch(`${url}/workflows/batch/executions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ params: { tag: `k${i}` } }) });
      expect(response.status).toBe(202);
      ids.push(((await response.json()) as { executionId: string }).executionId);
    }
    await first.next('held');
    first.process.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    expect(effects(job.effects)).toEqual({ 'effect k0': 1, 'effect k1': 1 });

    const second = child({ ...job, mode: 'recover' });
    children.push(second.process);
    const recovery = JSON.parse(await second.next('recovered')) as { resumed: string[]; requeued: string[] };
    expect(recovery.resumed.sort()).toEqual(ids.slice(0, 2).sort());
    expect(recovery.requeued).toEqual(ids.slice(2));
    const url2 = await second.next('listening');
    for (const id of ids) {
      const messages = await readSse(`${url2}/executions/${id}/events`); // ends when the execution has
      expect(messages.at(-1)).toMatchObject({ event: 'end', data: { executionId: id, status: 'succeeded' } });
    }
    const listed = (await (await fetch(`${url2}/executions?limit=100`)).json()) as { executions: { executionId: string; status: string }[] };
    expect(listed.executions.map((e) => e.executionId).sort()).toEqual([...ids].sort());
    expect(effects(job.effects)).toEqual(Object.fromEntries(ids.flatMap((_, i) => [[`effect k${i}`, 1], [`report k${i}`, 1]])));
    const resumed = (await (await fetch(`${url2}/executions/${ids[0]}`)).json()) as { runIds: string[]; steps: { operationId: string; restored: boolean }[] };
    expect(resumed.runIds).toHaveLength(2);
    expect(resumed.steps.filter((s) => s.restored).map((s) => s.operationId)).toEqual(['effect']);
    second.process.send('close');
    expect(JSON.parse(await second.next('closed'))).toEqual({ waitedFor: [], cancelled: [] });
    expect(await second.exited).toBe(0);
  }, 90_000);
});
