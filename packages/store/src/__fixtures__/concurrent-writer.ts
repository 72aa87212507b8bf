/**
 * A second process for the SQLite concurrency test: opens the store it is
 * sent, says `ready`, and on `go` writes its runs (start, five operation
 * records, an event, finish), then says `done` (or `error: ...`).
 */
import { openRunStore } from '../open-run-store';

interface Job {
  readonly location: string;
  readonly prefix: string;
  readonly runs: number;
}

const send = (message: string): void => void process.send?.(message);

process.once('message', (job: Job) => {
  void (async () => {
    const store = await openRunStore(job.location);
    send('ready');
    await new Promise((resolve) => process.once('message', resolve));
    for (let i = 0; i < job.runs; i++) {
      const runId = `${job.prefix}-r${i}`;
      await store.startRun({ runId, workflow: 'child', definitionHash: 'd', variables: {}, startedAt: i });
      for (let op = 0; op < 5; op++) store.recordOperation(runId, { operationId: `op${op}`, status: 'succeeded', attempts: 1, startedAt: i, finishedAt: i + 1 });
      store.appendEvents(runId, [{ type: 'x', payload: i }]);
      await store.finishRun(runId, { status: 'succeeded', finishedAt: i + 2 });
    }
    await store.close();
    send('done');
    process.disconnect();
  })().catch((error: unknown) => {
    send(`error: ${error instanceof Error ? error.stack : String(error)}`);
    process.exitCode = 1;
    process.disconnect();
  });
});
