/**
 * A process with a run manager, for the kill-and-recover test. Workflow
 * `batch`: effect -> hold -> report; `effect` and `report` append
 * `<step> <key>` to the effects file (the side effects that must happen
 * once per execution). Job `{ mode: 'kill' }`: submits `count` executions
 * (keys k0, k1, ...) with two running at once, says `ids <json>`, and once
 * both running executions are in `hold` (with their `effect` recorded in
 * the store) says `held`, then waits to be killed with SIGKILL. Job
 * `{ mode: 'recover' }`: a new manager on the same store picks up what was
 * left, finishes it and says `recovered <json report>`.
 */
import { appendFileSync } from 'node:fs';
import { defineOperation, ExecutionEngine, GraphDefinition } from '@portflow/core';
import { openRunStore } from '@portflow/store';
import { RunManager } from '../run-manager';
import type { RunnableWorkflow } from '../runnable-workflow';

interface Job {
  readonly location: string;
  /** The blob directory. */
  readonly blobs: string;
  readonly effects: string;
  readonly mode: 'kill' | 'recover';
  readonly count: number;
}

const send = (message: string): void => void process.send?.(message);

process.once('message', (job: Job) => {
  void (async () => {
    const store = await openRunStore(job.location, { blobs: job.blobs });
    const effect = (step: string, key: string): void => appendFileSync(job.effects, `${step} ${key}\n`);
    let held = 0;
    const Effect = defineOperation('batch.effect', { outputs: { key: String } }, (_inputs, context) => {
      const key = String(context.variables.key);
      effect('effect', key);
      return { key };
    });
    const Hold = defineOperation('batch.hold', { inputs: { held: String }, outputs: { key: String } }, async ({ held: key }) => {
      if (job.mode === 'kill') {
        // Let effect's record reach the store, then say so: the kill lands after it.
        await new Promise((resolve) => setImmediate(resolve));
        await store.flush();
        if (++held === 2) send('held');
        await new Promise(() => undefined); // until killed
      }
      return { key };
    });
    const Report = defineOperation('batch.report', { inputs: { key: String }, outputs: { line: String } }, ({ key }) => {
      effect('report', key);
      return { line: `done ${key}` };
    });
    const batch: RunnableWorkflow = {
      prepare(params) {
        const graph = new GraphDefinition<Record<never, never>, { line: string }>({ name: 'batch', requireIds: true });
        const hold = new Hold({ id: 'hold' });
        const report = new Report({ id: 'report' });
        graph.connect(new Effect({ id: 'effect' }), 'key', hold, 'held');
        graph.connect(hold, 'key', report, 'key');
        graph.output('line', report, 'line');
        return { graph, variables: { ...params } };
      },
    };
    const engine = new ExecutionEngine();
    const manager = new RunManager({ engine, store, workflows: { batch }, maxConcurrentRuns: 2, maxQueuedRuns: job.count });
    if (process.env.DEBUG_RUNS) manager.events$.subscribe((e) => process.stderr.write(JSON.stringify(e).slice(0, 400) + '\n'));
    if (job.mode === 'kill') {
      const ids: string[] = [];
      for (let i = 0; i < job.count; i++) ids.push(await manager.submit('batch', { key: `k${i}` }));
      send(`ids ${JSON.stringify(ids)}`);
      setInterval(() => undefined, 60_000); // stay up until killed
      return;
    }
    const report = await manager.start();
    await manager.waitForAll();
    await manager.close();
    await engine.close();
    await store.close();
    send(`recovered ${JSON.stringify(report)}`);
    process.disconnect();
  })().catch((error: unknown) => {
    send(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.disconnect();
  });
});
