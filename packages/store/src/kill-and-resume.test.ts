import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { postgresTarget, requirePostgres, sqliteTarget, type RunStoreTarget, type RunStoreTargetFactory } from './__fixtures__/store-targets';

const STEPS = ['source', 'parse', 'slow', 'report'];

/** A child running the killable pipeline in `mode`; resolves its messages as they come. */
function child(target: RunStoreTarget, effects: string, mode: 'kill' | 'resume' | 'plain'): { process: ChildProcess; next(): Promise<string>; exited: Promise<number | null> } {
  const proc = fork(join(__dirname, '__fixtures__', 'killable-run.ts'), [], {
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
  proc.send({ location: target.location, blobs: join(target.dir, 'objects'), effects, mode });
  return {
    process: proc,
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise<string>((resolve) => waiting.push(resolve))),
    exited,
  };
}

function effects(file: string): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(STEPS.map((s) => [s, 0]));
  if (existsSync(file)) for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) counts[line]!++;
  return counts;
}

function done(message: string): { runId: string; status: string; output: string } {
  const match = /^done (\S+) (\S+) (.*)$/.exec(message);
  if (match === null) throw new Error(`child said: ${message}`);
  return { runId: match[1]!, status: match[2]!, output: match[3]! };
}

function describeKillAndResume(name: string, factory: RunStoreTargetFactory, before?: () => Promise<void>): void {
  describe(`SIGKILL mid-run and resume, on ${name}`, () => {
    let target: RunStoreTarget;
    if (before !== undefined) beforeAll(before);
    beforeEach(async () => {
      target = await factory();
    });
    afterEach(() => target.cleanup());

    it('re-executes exactly the steps the killed run had not recorded as done, and ends with the uninterrupted output', async () => {
      const plain = child(target, join(target.dir, 'plain.log'), 'plain');
      const reference = done(await plain.next());
      await plain.exited;
      expect(reference).toMatchObject({ status: 'succeeded', output: 'total 3675' });

      const log = join(target.dir, 'effects.log');
      const killed = child(target, log, 'kill');
      expect(await killed.next()).toBe('slow-started');
      killed.process.kill('SIGKILL');
      expect(await killed.exited).toBeNull();
      const beforeResume = effects(log);
      expect(beforeResume).toMatchObject({ source: 1, parse: 1, slow: 1, report: 0 });

      // What the store holds of the killed run: whatever reached it before the kill.
      const store = await target.open();
      const killedRun = (await store.listRuns({ workflow: 'killable', status: 'running' })).runs[0]!;
      const recorded = (await store.operations(killedRun.runId)).filter((r) => r.status === 'succeeded').map((r) => r.operationId);
      expect(recorded.sort()).toEqual(['parse', 'source']);

      const resumed = child(target, log, 'resume');
      const result = done(await resumed.next());
      await resumed.exited;
      expect(result).toMatchObject({ status: 'succeeded', output: reference.output });
      const after = effects(log);
      for (const step of STEPS) expect({ step, again: after[step]! - beforeResume[step]! }).toEqual({ step, again: recorded.includes(step) ? 0 : 1 });
      const records = await store.operations(result.runId);
      expect(records.filter((r) => r.restored).map((r) => r.operationId).sort()).toEqual([...recorded].sort());
      expect(await store.getRun(result.runId)).toMatchObject({ status: 'succeeded', resumedFrom: killedRun.runId });
    }, 60_000);
  });
}

describeKillAndResume('SQLite', sqliteTarget);
describeKillAndResume('PostgreSQL', postgresTarget, requirePostgres);
