import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecutionEngine } from '@portflow/core';
import { openRunStore, type RunStore } from '@portflow/store';
import { builtinRegistry, WorkflowValidationError } from '@portflow/workflow';
import { QueueFullError } from './errors';
import { RunManager } from './run-manager';
import { workflowFromText } from './workflow-from-text';

/** The examples docs/runs.md shows (its snippets are these regions, checked by examples/docs-sync.test.ts). */
const yaml = `
name: greet
variables:
  who: world
pipeline:
  - name: greeting
    operation: constant
    params:
      value: "hello \${{ vars.who }}"
`;

describe('the run manager, as docs/runs.md shows it', () => {
  let dir: string;
  let location: string;
  const opened: RunStore[] = [];
  const engines: ExecutionEngine[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portflow-runs-usage-'));
    location = join(dir, 'store.db');
  });

  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a YAML workflow with parameters, durably', async () => {
    const logged: unknown[][] = [];
    const console = { log: (...args: unknown[]) => logged.push(args) };
    // #region run-manager
    const store = await openRunStore(location);
    const engine = new ExecutionEngine();
    const greet = workflowFromText(yaml, { registry: builtinRegistry(), file: 'greet.yaml' }); // parameters are its variables
    const manager = new RunManager({ engine, store, workflows: { greet }, maxConcurrentRuns: 4, maxQueuedRuns: 100 });
    await manager.start(); // resumes what a killed process left running, queues again what it left queued

    const id = await manager.submit('greet', { who: 'Ada' }, { idempotencyKey: 'greet-ada' }); // in the store when it resolves
    await manager.waitForAll();
    const execution = await manager.get(id); // status, params, timings, run ids, each step's record
    console.log(execution?.status, execution?.steps.map((step) => step.operationId)); // succeeded [ 'greeting' ]
    console.log(await manager.close()); // { waitedFor: [], cancelled: [] }: close({ drain: false }) cancels what runs
    // #endregion run-manager
    opened.push(store);
    engines.push(engine);
    expect(logged).toEqual([['succeeded', ['greeting']], [{ waitedFor: [], cancelled: [] }]]);
    expect(execution).toMatchObject({ workflow: 'greet', params: { who: 'Ada' }, idempotencyKey: 'greet-ada' });
  });

  it('refuses undeclared parameters and a full queue, creating nothing', async () => {
    const store = await openRunStore(location);
    const engine = new ExecutionEngine();
    opened.push(store);
    engines.push(engine);
    const greet = workflowFromText(yaml, { registry: builtinRegistry(), file: 'greet.yaml' });
    const manager = new RunManager({ engine, store, workflows: { greet }, maxConcurrentRuns: 1, maxQueuedRuns: 0 });
    await expect(manager.submit('greet', { whom: 'Ada' })).rejects.toThrow(WorkflowValidationError);
    await expect(manager.submit('greet', { whom: 'Ada' })).rejects.toThrow(/Variable 'whom' is given a value but the workflow declares no such variable/);
    const retried: string[] = [];
    // #region queue-full
    const submit = async (who: string): Promise<string | undefined> => {
      try {
        return await manager.submit('greet', { who });
      } catch (error) {
        if (!(error instanceof QueueFullError)) throw error;
        retried.push(who); // nothing was created: submit again after error.retryAfterMs
        return undefined;
      }
    };
    // #endregion queue-full
    const [first, second] = await Promise.all([submit('Ada'), submit('Bo')]);
    expect(first).toEqual(expect.any(String));
    expect(second).toBeUndefined();
    expect(retried).toEqual(['Bo']);
    await manager.close();
    expect((await store.listExecutions()).executions.map((e) => e.params)).toEqual([{ who: 'Ada' }]);
  });
});
