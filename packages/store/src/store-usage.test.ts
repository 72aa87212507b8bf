import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecutionEngine, GraphDefinition, defineOperation, v8Codec } from '@portflow/core';
import { openRunStore } from './open-run-store';
import { checkpointsIn } from './store-checkpoints';

/** The examples docs/durability.md shows (its snippets are these regions, checked by examples/docs-sync.test.ts). */
describe('the run store as docs/durability.md shows it', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portflow-usage-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('records a run through the engine and resumes it from another store instance', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    let loads = 0;
    const Load = defineOperation('sales.load', { outputs: { rows: Array } }, () => {
      loads++;
      return { rows: [{ region: 'EU', amount: 1200 }] };
    });
    let failOnce = true;
    const Sum = defineOperation('sales.sum', { inputs: { rows: Array }, outputs: { total: Number } }, ({ rows }) => {
      if (failOnce) {
        failOnce = false;
        throw new Error('the database went away');
      }
      return { total: (rows as { amount: number }[]).reduce((t, r) => t + r.amount, 0) };
    });
    const graph = new GraphDefinition({ name: 'sales', requireIds: true });
    graph.connect(new Load({ id: 'load' }), 'rows', new Sum({ id: 'sum' }), 'rows');
    const location = join(dir, '.portflow', 'store.db');
    const engine = new ExecutionEngine();
    // #region resume
    const runs = await openRunStore(location); // SQLite here; 'postgres://...' for PostgreSQL
    const first = await engine.run(graph, { store: checkpointsIn(runs) });
    console.log(first.status); // failed: sum threw
    await runs.close();

    // Later, in this process or another one:
    const again = await openRunStore(location);
    const second = await engine.run(graph, { store: checkpointsIn(again), resume: 'latest' });
    console.log(second.getRecord('load').restoredFrom === first.runId); // true: load did not run again
    console.log((await again.operations(second.runId)).map((op) => `${op.operationId} ${op.status} ${op.restored ? 'restored' : 'ran'}`));
    await again.close();
    // #endregion resume
    expect(first.status).toBe('failed');
    expect(second.status).toBe('succeeded');
    expect(loads).toBe(1);
    expect(log).toHaveBeenCalledWith(true);
    log.mockRestore();
    await engine.close();
  });

  it('records a run, an operation with an output and an event, and reads them back', async () => {
    const location = join(dir, '.portflow', 'store.db');
    // #region record-a-run
    const store = await openRunStore(location); // or 'postgres://user@host:5432/db?schema=portflow'
    try {
      const startedAt = Date.now();
      await store.startRun({ runId: 'r1', workflow: 'sales', definitionHash: 'c0ffee', variables: { region: 'EU' }, startedAt });

      // Outputs are stored as encoded bytes: inline up to 64 KiB, larger ones as blobs.
      const total = await store.writeOutput(v8Codec.encode(new Map([['EU', 1200n]])));
      store.recordOperation('r1', { operationId: 'sum', status: 'succeeded', attempts: 1, startedAt, finishedAt: Date.now(), cacheKey: 'k-sum', cacheable: true, outputs: { total } });
      store.appendEvents('r1', [{ type: 'operation:completed', payload: { operationId: 'sum' } }]);
      await store.finishRun('r1', { status: 'succeeded', finishedAt: Date.now() }); // commits what is queued

      const [sum] = await store.operations('r1');
      const value = v8Codec.decode(await store.readOutput(sum!.outputs.total!)); // Map { 'EU' => 1200n }, hash verified
      const journal = await store.events('r1', { afterSeq: 0 }); // [{ seq: 1, type: 'operation:completed', ... }]
      // #endregion record-a-run
      expect(value).toEqual(new Map([['EU', 1200n]]));
      expect(journal).toEqual([{ seq: 1, type: 'operation:completed', payload: { operationId: 'sum' } }]);
      expect((await store.findByCacheKey('k-sum'))?.runId).toBe('r1');
    } finally {
      await store.close();
    }
  });

  it('lists runs page by page and prunes old ones', async () => {
    const store = await openRunStore(join(dir, 'store.db'));
    try {
      for (let i = 0; i < 3; i++) {
        await store.startRun({ runId: `r${i}`, workflow: 'sales', definitionHash: 'c0ffee', variables: {}, startedAt: i * 1000 });
      }
      const seen: string[] = [];
      // #region list-and-prune
      let page = await store.listRuns({ workflow: 'sales', limit: 2 }); // newest first
      seen.push(...page.runs.map((run) => run.runId));
      while (page.next !== undefined) {
        page = await store.listRuns({ workflow: 'sales', limit: 2, before: page.next });
        seen.push(...page.runs.map((run) => run.runId));
      }
      const unfinished = await store.latestUnfinished('sales'); // the newest run still 'running'

      const weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
      const { runs, blobs } = await store.prune({ olderThan: weekAgo }); // removed run ids, deleted blob hashes
      // #endregion list-and-prune
      expect(seen).toEqual(['r2', 'r1', 'r0']);
      expect(unfinished?.runId).toBe('r2');
      expect(runs).toEqual(['r0', 'r1', 'r2']);
      expect(blobs).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
