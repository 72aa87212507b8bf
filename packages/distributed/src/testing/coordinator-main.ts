/**
 * A coordinator in a child process, for the coordinator-loss test: runs (or
 * resumes) the layered effects graph on a distributed engine with a SQLite
 * run store, and tells its parent over IPC what happens. The parent kills
 * it with SIGKILL mid-run, and starts another to resume.
 *
 * Messages to the parent: `{ started: runId }`, `{ progress: operationId }` (it
 * started on a worker), `{ completed: operationId }`,
 * `{ checkpointed: true }` (after the second completion, in `run` mode: the
 * store then holds those two), and `{ done: { runId, status, value, restored } }`.
 */
import { join } from 'node:path';
import { checkpointsIn, openRunStore } from '@portflow/store';
import type { EngineEvent } from '@portflow/core';
import { createDistributedEngine } from '../distributed-engine';
import { effectsGraph } from './effects-graph';
import { PACKAGE_DIR } from './worker-process';
import { REDIS_URL } from './redis';

/** What the parent sends first. */
export interface CoordinatorOrder {
  readonly prefix: string;
  readonly queue: string;
  /** Directory of the SQLite store. */
  readonly dir: string;
  /** The file the operations append their idempotency keys to. */
  readonly effects: string;
  /** Resume this run id instead of starting a new run. */
  readonly resume?: string;
}

function send(message: unknown): void {
  process.send!(message);
}

async function main(order: CoordinatorOrder): Promise<void> {
  const store = await openRunStore(join(order.dir, 'store.db'));
  const engine = createDistributedEngine({ connection: REDIS_URL, prefix: order.prefix, buildId: 'test', root: PACKAGE_DIR, queues: { cpu_bound: order.queue }, reconcileMs: 500 });
  try {
    const { graph, last } = effectsGraph(order.effects);
    const run = engine.start(graph, { store: checkpointsIn(store), checkpoint: 'manual', retainOutputs: true, ...(order.resume === undefined ? {} : { resume: order.resume }) });
    send({ started: run.runId });
    let completed = 0;
    run.events$.subscribe((event: EngineEvent) => {
      if (event.type === 'OperationProgress') send({ progress: event.operationId });
      if (event.type !== 'OperationCompleted') return;
      send({ completed: event.operationId });
      if (++completed === 2 && order.resume === undefined) void run.checkpoint().then(() => send({ checkpointed: true }));
    });
    const result = await run.result;
    send({ done: { runId: result.runId, status: result.status, error: result.getErrorMessage(), value: result.getOutput(last.id, 'value'), restored: result.operations.filter((r) => r.restoredFrom !== undefined).map((r) => r.operationId).sort() } });
  } finally {
    await engine.close();
    await store.close();
  }
}

process.once('message', (order: CoordinatorOrder) => {
  main(order).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`coordinator failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
});
