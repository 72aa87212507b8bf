import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExecutionEngine, GraphDefinition, UnknownRunError, createLogger, defineOperation, type LogEntry } from '@portflow/core';
import { deferred, type Deferred } from '@portflow/core/testing';
import { postgresTarget, requirePostgres, sqliteTarget, type RunStoreTarget, type RunStoreTargetFactory } from './__fixtures__/store-targets';
import { checkpointsIn } from './store-checkpoints';

/** source -> slow -> last; `calls` counts each step's executions; `slow` waits for cancellation when `hold` is given. */
function pipeline(calls: Map<string, number>, hold?: Deferred<void>, payload = 'x') {
  const count = (id: string): void => void calls.set(id, (calls.get(id) ?? 0) + 1);
  const Source = defineOperation('test.source', { outputs: { text: String } }, () => {
    count('source');
    return { text: payload.repeat(100) };
  });
  const Slow = defineOperation('test.slow', { inputs: { text: String }, outputs: { length: Number } }, async ({ text }, context) => {
    count('slow');
    if (hold !== undefined) {
      hold.resolve();
      await new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason as Error), { once: true }));
    }
    return { length: text.length };
  });
  const Last = defineOperation('test.last', { inputs: { length: Number }, outputs: { doubled: Number } }, ({ length }) => {
    count('last');
    return { doubled: length * 2 };
  });
  const graph = new GraphDefinition<Record<never, never>, { doubled: number }>({ name: 'pipeline', requireIds: true });
  const last = new Last({ id: 'last' });
  graph.connect(new Source({ id: 'source' }), 'text', new Slow({ id: 'slow' }), 'text');
  graph.connect(graph.getOperation('slow') as InstanceType<typeof Slow>, 'length', last, 'length');
  graph.output('doubled', last, 'doubled');
  return graph;
}

function describeCheckpoints(name: string, factory: RunStoreTargetFactory, before?: () => Promise<void>): void {
  describe(`checkpointsIn on ${name}`, () => {
    let target: RunStoreTarget;
    const engine = new ExecutionEngine();
    if (before !== undefined) beforeAll(before);
    beforeEach(async () => {
      target = await factory();
    });
    afterEach(() => target.cleanup());
    afterAll(() => engine.close());

    it("with checkpoint 'manual', run.checkpoint() resolves once another process could read the records", async () => {
      const calls = new Map<string, number>();
      const store = await target.open();
      const held = deferred<void>();
      const run = engine.start(pipeline(calls, held), { store: checkpointsIn(store), checkpoint: 'manual' });
      await held.promise; // source succeeded, slow is running
      const reader = await target.open(); // another connection, as another process would have
      expect(await reader.operations(run.runId)).toEqual([]);
      await run.checkpoint();
      expect((await reader.operations(run.runId)).map((op) => `${op.operationId} ${op.status}`)).toEqual(['source succeeded']);
      expect((await reader.events(run.runId)).map((e) => e.type)).toEqual(['RunStarted', 'OperationStarted', 'OperationCompleted', 'OperationStarted']);
      run.cancel('done looking');
      await run.result;
    });

    it('resumes an interrupted run from another store instance: completed steps restored, the rest run', async () => {
      const calls = new Map<string, number>();
      const first = await target.open();
      const held = deferred<void>();
      const run = engine.start(pipeline(calls, held), { store: checkpointsIn(first) });
      await held.promise;
      run.cancel('killed');
      expect((await run.result).status).toBe('cancelled');
      await first.close();

      const second = await target.open(); // as a new process would
      const resumed = await engine.run(pipeline(calls), { store: checkpointsIn(second), resume: 'latest' });
      expect(resumed.status).toBe('succeeded');
      expect(resumed.outputs.doubled).toBe(200);
      expect(Object.fromEntries(calls)).toEqual({ source: 1, slow: 2, last: 1 });
      const records = await second.operations(resumed.runId);
      expect(records.find((r) => r.operationId === 'source')).toMatchObject({ status: 'succeeded', restored: true, restoredFrom: run.runId });
      expect(records.find((r) => r.operationId === 'slow')).toMatchObject({ status: 'succeeded', restored: false, cacheKey: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(await second.getRun(resumed.runId)).toMatchObject({ status: 'succeeded', resumedFrom: run.runId, workflow: 'pipeline' });
      const journal = await second.events(resumed.runId);
      expect(journal.map((e) => e.type)).toEqual(['RunStarted', 'OperationRestored', 'OperationStarted', 'OperationCompleted', 'OperationStarted', 'OperationCompleted', 'RunCompleted']);
      expect((await second.getRun(run.runId))?.status).toBe('cancelled');
    });

    it('recomputes an output whose blob was damaged, and says so', async () => {
      const calls = new Map<string, number>();
      const store = await target.open({ inlineLimit: 64 }); // the 100-character text goes to a blob
      const entries: LogEntry[] = [];
      const logged = new ExecutionEngine({ logger: createLogger((e) => entries.push(e)) });
      const first = await logged.run(pipeline(calls), { store: checkpointsIn(store) });
      const objects = join(target.dir, 'objects');
      const blobs = (await readdir(objects, { recursive: true, withFileTypes: true })).filter((d) => d.isFile());
      expect(blobs).toHaveLength(1);
      const file = join(blobs[0]!.parentPath, blobs[0]!.name);
      await writeFile(file, (await readFile(file)).subarray(0, 10)); // truncated
      calls.clear();
      const second = await logged.run(pipeline(calls), { store: checkpointsIn(store), resume: first.runId });
      expect(second.outputs.doubled).toBe(200);
      expect(Object.fromEntries(calls)).toEqual({ source: 1 }); // slow and last see the same input: restored
      expect(entries.find((e) => e.level === 'warn')?.message).toMatch(/Operation 'source': its stored result cannot be restored/);
      await logged.close();
    });

    it('reuses results of any earlier run for operations with the cache setting', async () => {
      const calls = new Map<string, number>();
      const store = await target.open();
      const Cached = defineOperation('test.cached', { outputs: { n: Number }, cache: true }, () => {
        calls.set('cached', (calls.get('cached') ?? 0) + 1);
        return { n: 7 };
      });
      const graphOf = () => new GraphDefinition({ name: 'cached' }).add(new Cached({ id: 'cached' }));
      await engine.run(graphOf(), { store: checkpointsIn(store) });
      const again = await engine.run(graphOf(), { store: checkpointsIn(store) });
      expect(calls.get('cached')).toBe(1);
      expect(again.getRecord('cached').restoredFrom).toBeDefined();
    });

    it('gives every run of a resume chain the first run as the root of context.idempotencyKey', async () => {
      const store = await target.open();
      const keys: string[] = [];
      let failures = 2;
      const Step = defineOperation('test.keyed', { outputs: { n: Number } }, (_inputs, context) => {
        keys.push(context.idempotencyKey);
        if (failures-- > 0) throw new Error('not yet');
        return { n: 1 };
      });
      const graphOf = () => new GraphDefinition({ name: 'keyed' }).add(new Step({ id: 'step' }));
      const first = await engine.run(graphOf(), { store: checkpointsIn(store) });
      const second = await engine.run(graphOf(), { store: checkpointsIn(store), resume: first.runId });
      const third = await engine.run(graphOf(), { store: checkpointsIn(await target.open()), resume: second.runId }); // another store instance, as another process
      expect([first.status, second.status, third.status]).toEqual(['failed', 'failed', 'succeeded']);
      expect(await store.getRun(third.runId)).toMatchObject({ resumedFrom: second.runId });
      expect(keys).toEqual([`${first.runId}/step`, `${first.runId}/step`, `${first.runId}/step`]);
    });

    it('names a run it does not hold', async () => {
      const store = await target.open();
      await expect(engine.run(pipeline(new Map()), { store: checkpointsIn(store), resume: 'no-such-run' })).rejects.toThrow(UnknownRunError);
      await expect(engine.run(pipeline(new Map()), { store: checkpointsIn(store), resume: 'latest' })).rejects.toThrow(/No unfinished run of 'pipeline' in the store/);
    });
  });
}

describeCheckpoints('SQLite', sqliteTarget);
describeCheckpoints('PostgreSQL', postgresTarget, requirePostgres);
