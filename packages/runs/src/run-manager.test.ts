import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecutionEngine, InvalidOptionsError, v8Codec } from '@portflow/core';
import { ExecutionNotFoundError, openRunStore, type RunStore } from '@portflow/store';
import { firstValueFrom, filter, toArray } from 'rxjs';
import { QueueFullError, RunManagerClosedError, UnknownWorkflowError, WorkflowBusyError } from './errors';
import type { ExecutionEvent } from './execution-events';
import { Gates } from '@portflow/core/testing';
import { heldWorkflow } from './__fixtures__/held-workflow';
import { RunManager, type RunManagerOptions } from './run-manager';

describe('RunManager', () => {
  let dir: string;
  let store: RunStore;
  let engine: ExecutionEngine;
  let holds: Gates;
  const managers: RunManager[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portflow-runs-'));
    store = await openRunStore(join(dir, 'store.db'));
    engine = new ExecutionEngine();
    holds = new Gates();
  });

  afterEach(async () => {
    holds.autoOpen = true;
    for (const key of holds.started) holds.open(key);
    await Promise.all(managers.splice(0).map((m) => m.close({ drain: false })));
    await engine.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const manager = (options: Partial<RunManagerOptions> = {}): RunManager => {
    const made = new RunManager({
      engine,
      store,
      workflows: { a: heldWorkflow('a', holds), b: heldWorkflow('b', holds) },
      maxConcurrentRuns: 2,
      maxQueuedRuns: 10,
      ...options,
    });
    managers.push(made);
    return made;
  };

  const output = async (runs: RunManager, id: string): Promise<unknown> => {
    const work = (await runs.get(id))!.steps.find((s) => s.operationId === 'work')!;
    return v8Codec.decode(await store.readOutput(work.outputs.out!));
  };

  it('runs executions with different params at once, each with its own result', async () => {
    const runs = manager({ maxConcurrentRuns: 3 });
    const ids = await Promise.all([1, 2, 3].map((x) => runs.submit('a', { key: `k${x}`, x })));
    await holds.until(() => holds.started.length === 3); // all three running at once
    expect(runs.running).toBe(3);
    holds.open('k1', 'k2', 'k3');
    await runs.waitForAll();
    expect(await Promise.all(ids.map((id) => output(runs, id)))).toEqual(['a:k1:2', 'a:k2:4', 'a:k3:6']);
    for (const [i, id] of ids.entries()) {
      expect(await runs.get(id)).toMatchObject({ status: 'succeeded', params: { key: `k${i + 1}`, x: i + 1 }, runIds: [expect.any(String)] });
    }
  });

  it('holds maxConcurrentRuns running and maxQueuedRuns waiting, and refuses the next without creating it', async () => {
    const runs = manager({ maxConcurrentRuns: 2, maxQueuedRuns: 3, retryAfterMs: 2500 });
    for (let i = 0; i < 5; i++) await runs.submit(i % 2 === 0 ? 'a' : 'b', { key: `k${i}` });
    await holds.until(() => holds.started.length === 2);
    expect([runs.running, runs.queued]).toEqual([2, 3]);
    const refused = runs.submit('b', { key: 'one-too-many' });
    await expect(refused).rejects.toThrow(QueueFullError);
    await expect(refused).rejects.toMatchObject({ code: 'PORTFLOW_QUEUE_FULL', retryAfterMs: 2500, running: 2, queued: 3 });
    expect((await store.listExecutions()).executions).toHaveLength(5);
    holds.autoOpen = true;
    holds.open('k0', 'k1');
    await runs.waitForAll();
    expect((await store.listExecutions({ status: 'succeeded' })).executions).toHaveLength(5);
  });

  it('accepts exactly the bound when many submit at once, and creates nothing for the rest', async () => {
    const runs = manager({ maxConcurrentRuns: 2, maxQueuedRuns: 3 });
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => runs.submit(i % 2 === 0 ? 'a' : 'b', { key: `k${i}` })));
    const accepted = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(accepted).toHaveLength(5);
    expect(refused).toHaveLength(7);
    for (const error of refused) expect(error).toBeInstanceOf(QueueFullError);
    expect((await store.listExecutions()).executions.map((e) => e.executionId).sort()).toEqual([...accepted].sort());
    holds.autoOpen = true;
    for (const key of holds.started) holds.open(key);
    await runs.waitForAll();
    expect(holds.started).toHaveLength(5);
  });

  it('serves one queue per workflow in turn, so a flood of one does not starve another', async () => {
    const runs = manager({ maxConcurrentRuns: 1 });
    for (let i = 0; i < 6; i++) await runs.submit('a', { key: `a${i}` });
    await runs.submit('b', { key: 'b0' });
    await holds.until(() => holds.started.length === 1);
    holds.autoOpen = true;
    holds.open('a0');
    await runs.waitForAll();
    expect(holds.started).toEqual(['a0', 'a1', 'b0', 'a2', 'a3', 'a4', 'a5']);
  });

  it('runs one execution at a time of a workflow that does not allow concurrent executions; the next waits', async () => {
    const runs = manager({ maxConcurrentRuns: 3, workflows: { solo: heldWorkflow('solo', holds, { allowConcurrentExecution: false }), b: heldWorkflow('b', holds) } });
    const first = await runs.submit('solo', { key: 's1' });
    const second = await runs.submit('solo', { key: 's2' });
    await runs.submit('b', { key: 'b1' });
    await holds.until(() => holds.started.length === 2);
    expect(holds.started.sort()).toEqual(['b1', 's1']);
    expect((await runs.get(second))?.status).toBe('queued'); // a slot is free, but its workflow is busy
    holds.open('s1');
    await holds.until(() => holds.started.includes('s2'));
    expect((await runs.get(first))?.status).toBe('succeeded');
    holds.open('s2', 'b1');
    await runs.waitForAll();
  });

  it("refuses a second execution of a busy workflow that says whenBusy: 'reject', creating nothing", async () => {
    const runs = manager({ workflows: { solo: heldWorkflow('solo', holds, { allowConcurrentExecution: false, whenBusy: 'reject' }) } });
    const first = await runs.submit('solo', { key: 's1' });
    const refused = runs.submit('solo', { key: 's2' });
    await expect(refused).rejects.toThrow(WorkflowBusyError);
    await expect(refused).rejects.toThrow(new RegExp(`execution '${first}' is not finished; nothing was created`));
    expect((await store.listExecutions()).executions.map((e) => e.executionId)).toEqual([first]);
  });

  it('cancels a queued execution without running it, and a running one through the engine', async () => {
    const runs = manager({ maxConcurrentRuns: 1 });
    const running = await runs.submit('a', { key: 'r' });
    const queued = await runs.submit('a', { key: 'q' });
    await holds.until(() => holds.started.length === 1);
    expect(await runs.cancel(queued)).toBe(true);
    expect(await runs.get(queued)).toMatchObject({ status: 'cancelled', runIds: [], startedAt: null });
    expect(await runs.cancel(running, 'no longer needed')).toBe(true);
    await runs.waitForAll();
    expect(await runs.get(running)).toMatchObject({ status: 'cancelled', finishedAt: expect.any(Number) });
    expect(holds.started).toEqual(['r']);
    expect(await runs.cancel(running)).toBe(false); // already finished
    await expect(runs.cancel('no-such-execution')).rejects.toThrow(ExecutionNotFoundError);
  });

  it('returns the first execution for an idempotency key used again, creating nothing', async () => {
    const runs = manager();
    const first = await runs.submit('a', { key: 'k' }, { idempotencyKey: 'order-17' });
    expect(await runs.submit('a', { key: 'k' }, { idempotencyKey: 'order-17' })).toBe(first);
    holds.open('k');
    await runs.waitForAll();
    expect(await runs.submit('a', { key: 'k' }, { idempotencyKey: 'order-17' })).toBe(first); // finished: found in the store
    expect((await store.listExecutions()).executions).toHaveLength(1);
  });

  it('returns the execution of a repeated idempotency key even when the queue is full', async () => {
    const runs = manager({ maxConcurrentRuns: 1, maxQueuedRuns: 0 });
    const first = await runs.submit('a', { key: 'k' }, { idempotencyKey: 'once' });
    await expect(runs.submit('a', { key: 'other' })).rejects.toThrow(QueueFullError);
    expect(await runs.submit('a', { key: 'k' }, { idempotencyKey: 'once' })).toBe(first);
    holds.open('k');
    await runs.waitForAll();
  });

  it('refuses an unknown workflow and parameters the workflow rejects, creating nothing', async () => {
    const runs = manager();
    await expect(runs.submit('nope', {})).rejects.toThrow(UnknownWorkflowError);
    await expect(runs.submit('nope', {})).rejects.toThrow("No workflow named 'nope' in this run manager; it knows 'a', 'b'.");
    const bad = runs.submit('a', { key: 1, colour: 'red' });
    await expect(bad).rejects.toThrow(InvalidOptionsError);
    await expect(bad).rejects.toMatchObject({ problems: ["unknown parameter 'colour'", 'key must be a string'] });
    expect((await store.listExecutions()).executions).toEqual([]);
  });

  it('reports state changes and the engine events of each execution', async () => {
    const runs = manager();
    const events: ExecutionEvent[] = [];
    const subscription = runs.events$.subscribe((e) => events.push(e));
    holds.autoOpen = true;
    const id = await runs.submit('a', { key: 'k' });
    await runs.waitForAll();
    subscription.unsubscribe();
    const states = events.filter((e) => e.type === 'ExecutionStateChanged' && e.executionId === id).map((e) => (e.type === 'ExecutionStateChanged' ? e.status : ''));
    expect(states).toEqual(['queued', 'running', 'succeeded']);
    const engineEvents = events.flatMap((e) => (e.type === 'ExecutionEngineEvent' ? [e.event.type] : []));
    expect(engineEvents).toEqual(expect.arrayContaining(['RunStarted', 'OperationStarted', 'OperationCompleted', 'RunCompleted']));
    const [journal] = await runs.journal(id);
    expect(journal!.events.map((e) => e.type)).toEqual(expect.arrayContaining(['OperationStarted', 'RunCompleted']));
  });

  it('closes after draining what runs and waits, saying which it waited for', async () => {
    const runs = manager({ maxConcurrentRuns: 1 });
    const ids = [await runs.submit('a', { key: 'k1' }), await runs.submit('a', { key: 'k2' })];
    await holds.until(() => holds.started.length === 1);
    const completed = firstValueFrom(runs.events$.pipe(toArray()));
    const closing = runs.close();
    await expect(runs.submit('a', { key: 'late' })).rejects.toThrow(RunManagerClosedError);
    holds.autoOpen = true;
    holds.open('k1');
    expect(await closing).toEqual({ waitedFor: ids, cancelled: [] });
    await completed; // events$ completes on close
    for (const id of ids) expect((await runs.get(id))?.status).toBe('succeeded');
  });

  it('closes without draining by cancelling what runs and waits, saying which', async () => {
    const runs = manager({ maxConcurrentRuns: 1 });
    const ids = [await runs.submit('a', { key: 'k1' }), await runs.submit('b', { key: 'k2' })];
    await holds.until(() => holds.started.length === 1);
    const cancelled = firstValueFrom(runs.events$.pipe(filter((e) => e.type === 'ExecutionStateChanged' && e.status === 'cancelled' && e.executionId === ids[0])));
    expect(await runs.close({ drain: false })).toEqual({ waitedFor: [], cancelled: ids });
    await cancelled;
    for (const id of ids) expect((await runs.get(id))?.status).toBe('cancelled');
    expect(holds.started).toEqual(['k1']);
  });

  it('queues again what a previous manager left queued, and resumes what it left running', async () => {
    // A previous process accepted two executions and started one, whose run never reached the store.
    await store.createExecution({ executionId: 'left-running', workflow: 'a', params: { key: 'r' }, submittedAt: 1 });
    await store.createExecution({ executionId: 'left-queued', workflow: 'a', params: { key: 'q' }, submittedAt: 2 });
    await store.createExecution({ executionId: 'other', workflow: 'gone', params: {}, submittedAt: 3 });
    await store.updateExecution('left-running', { status: 'running', startedAt: 5, runId: 'never-recorded' });
    const runs = manager({ maxConcurrentRuns: 1 });
    holds.autoOpen = true;
    expect(await runs.start()).toEqual({ resumed: ['left-running'], requeued: ['left-queued'], skipped: ['other'] });
    await runs.waitForAll();
    expect(holds.started).toEqual(['r', 'q']);
    expect(await runs.get('left-running')).toMatchObject({ status: 'succeeded', runIds: ['never-recorded', expect.any(String)] });
    expect(await runs.get('left-queued')).toMatchObject({ status: 'succeeded' });
    expect((await runs.get('other'))?.status).toBe('queued');
  });

  it('refuses options it cannot work with, naming each', () => {
    expect(() => manager({ maxConcurrentRuns: 0, maxQueuedRuns: -1 })).toThrow(/maxConcurrentRuns must be a whole number, 1 or more \(got 0\)\n.*maxQueuedRuns must be a whole number, 0 or more \(got -1\)/);
  });
});
