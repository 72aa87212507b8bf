/**
 * A process that runs a four-step pipeline (source -> parse -> slow -> report)
 * with a run store, for the kill-and-resume test. Each step appends its id to
 * the `effects` file before it returns (the side effect a resume must not
 * repeat for a completed step). Job `{ mode: 'kill' }`: `slow` says
 * `slow-started` and waits forever (the parent kills the process with
 * SIGKILL). Job `{ mode: 'resume' }`: resumes the latest unfinished run and
 * says `done <runId> <output>`.
 */
import { appendFileSync } from 'node:fs';
import { ExecutionEngine, GraphDefinition, defineOperation } from '@portflow/core';
import { checkpointsIn } from '../store-checkpoints';
import { openRunStore } from '../open-run-store';

interface Job {
  readonly location: string;
  /** The blob directory. */
  readonly blobs: string;
  /** The file each step appends its id to. */
  readonly effects: string;
  readonly mode: 'kill' | 'resume' | 'plain';
}

const send = (message: string): void => void process.send?.(message);

process.once('message', (job: Job) => {
  void (async () => {
    const runs = await openRunStore(job.location, { blobs: job.blobs });
    const effect = (id: string): void => appendFileSync(job.effects, `${id}\n`);
    const Source = defineOperation('kill.source', { outputs: { rows: Array } }, () => {
      effect('source');
      return { rows: Array.from({ length: 50 }, (_, i) => ({ id: i, value: i * 3 })) };
    });
    const Parse = defineOperation('kill.parse', { inputs: { rows: Array }, outputs: { values: Array } }, ({ rows }) => {
      effect('parse');
      return { values: (rows as { value: number }[]).map((r) => r.value) };
    });
    const Slow = defineOperation('kill.slow', { inputs: { values: Array }, outputs: { total: Number } }, async ({ values }) => {
      effect('slow');
      if (job.mode === 'kill') {
        // Let the records of source and parse reach the store, then say so: the kill lands after them.
        await new Promise((resolve) => setImmediate(resolve));
        await runs.flush();
        send('slow-started');
        await new Promise(() => undefined); // until killed
      }
      return { total: (values as number[]).reduce((a, b) => a + b, 0) };
    });
    const Report = defineOperation('kill.report', { inputs: { total: Number }, outputs: { line: String } }, ({ total }) => {
      effect('report');
      return { line: `total ${total}` };
    });
    const graph = new GraphDefinition<Record<never, never>, { line: string }>({ name: 'killable', requireIds: true });
    const parse = new Parse({ id: 'parse' });
    const slow = new Slow({ id: 'slow' });
    const report = new Report({ id: 'report' });
    graph.connect(new Source({ id: 'source' }), 'rows', parse, 'rows');
    graph.connect(parse, 'values', slow, 'values');
    graph.connect(slow, 'total', report, 'total');
    graph.output('line', report, 'line');

    const engine = new ExecutionEngine();
    const result = await engine.run(graph, { store: checkpointsIn(runs), ...(job.mode === 'resume' ? { resume: 'latest' } : {}) });
    await engine.close();
    await runs.close();
    send(`done ${result.runId} ${result.status} ${String(result.outputs.line)}`);
    process.disconnect();
  })().catch((error: unknown) => {
    send(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.disconnect();
  });
});
