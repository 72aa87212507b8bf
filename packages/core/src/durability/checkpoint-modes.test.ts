import { ExecutionEngine, GraphDefinition, InvalidOptionsError, MemoryCheckpointStore, defineOperation, type CheckpointMode } from '..';
import { deferred, type Deferred } from '../testing';
import { eventInvariantViolations } from '../testing/event-invariants';

/** source -> wait -> last, where `wait` says it started (`reached`) and finishes when `gate` opens; `calls` counts executions. */
function graphOf(calls: Map<string, number>, reached: Deferred<void>, gate: Deferred<void>) {
  const count = (id: string): void => void calls.set(id, (calls.get(id) ?? 0) + 1);
  const Source = defineOperation('modes.source', { outputs: { n: Number } }, () => {
    count('source');
    return { n: 2 };
  });
  const Wait = defineOperation('modes.wait', { inputs: { n: Number }, outputs: { m: Number } }, async ({ n }) => {
    count('wait');
    reached.resolve();
    await gate.promise;
    return { m: n * 10 };
  });
  const Last = defineOperation('modes.last', { inputs: { m: Number }, outputs: { sum: Number } }, ({ m }) => {
    count('last');
    return { sum: m + 1 };
  });
  const graph = new GraphDefinition<Record<never, never>, { result: number }>({ name: 'modes', requireIds: true });
  const wait = new Wait({ id: 'wait' });
  const last = new Last({ id: 'last' });
  graph.connect(new Source({ id: 'source' }), 'n', wait, 'n');
  graph.connect(wait, 'm', last, 'm');
  graph.output('result', last, 'sum');
  return graph;
}

function recorded(store: MemoryCheckpointStore, runId: string): string[] {
  return [...store.run(runId)!.operations.keys()];
}

describe('checkpoint modes', () => {
  const engine = new ExecutionEngine();
  afterAll(() => engine.close());

  it("'manual' holds records and events until run.checkpoint(), and hands the rest over when the run ends", async () => {
    const store = new MemoryCheckpointStore();
    const reached = deferred<void>();
    const gate = deferred<void>();
    // #region checkpoint-manual
    const run = engine.start(graphOf(new Map(), reached, gate), { store, checkpoint: 'manual' });
    await reached.promise; // source succeeded, wait is running
    expect(recorded(store, run.runId)).toEqual([]); // held by the run

    await run.checkpoint(); // resolves once the store holds what the run recorded so far
    expect(recorded(store, run.runId)).toEqual(['source']);
    // #endregion checkpoint-manual
    expect(store.run(run.runId)!.events.length).toBeGreaterThan(0);
    expect(store.run(run.runId)!.events.map((e) => `${e.type}${'operationId' in e ? ` ${e.operationId}` : ''}`)).toEqual([
      'RunStarted',
      'OperationStarted source',
      'OperationCompleted source',
      'OperationStarted wait',
    ]);

    gate.resolve();
    const result = await run.result;
    expect(result.outputs.result).toBe(21);
    expect(recorded(store, run.runId)).toEqual(['source', 'wait', 'last']);
    expect(eventInvariantViolations(store.run(run.runId)!.events, 3)).toEqual([]);
    await expect(run.checkpoint()).resolves.toBeUndefined(); // after the end: nothing left to do
  });

  it('{ everyMs } hands records over at that interval, and stops its timer when the run ends', async () => {
    jest.useFakeTimers();
    try {
      const store = new MemoryCheckpointStore();
      const reached = deferred<void>();
      const gate = deferred<void>();
      const run = engine.start(graphOf(new Map(), reached, gate), { store, checkpoint: { everyMs: 1_000 } });
      await reached.promise;
      expect(recorded(store, run.runId)).toEqual([]);
      await jest.advanceTimersByTimeAsync(999);
      expect(recorded(store, run.runId)).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(recorded(store, run.runId)).toEqual(['source']);

      gate.resolve();
      await run.result;
      expect(recorded(store, run.runId)).toEqual(['source', 'wait', 'last']);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it("'off' records the run but none of its operations or events, so a resume of it runs everything again", async () => {
    const store = new MemoryCheckpointStore();
    const calls = new Map<string, number>();
    const open = (): Deferred<void> => {
      const d = deferred<void>();
      d.resolve();
      return d;
    };
    const first = await engine.run(graphOf(calls, open(), open()), { store, checkpoint: 'off' });
    expect(store.run(first.runId)).toMatchObject({ status: 'succeeded' });
    expect(recorded(store, first.runId)).toEqual([]);
    expect(store.run(first.runId)!.events).toEqual([]);

    const second = await engine.run(graphOf(calls, open(), open()), { store, resume: first.runId });
    expect(second.outputs.result).toBe(21);
    expect(Object.fromEntries(calls)).toEqual({ source: 2, wait: 2, last: 2 });
  });

  it("'operation' (the default) hands each record over as its operation settles", async () => {
    const store = new MemoryCheckpointStore();
    const reached = deferred<void>();
    const gate = deferred<void>();
    const run = engine.start(graphOf(new Map(), reached, gate), { store });
    await reached.promise;
    expect(recorded(store, run.runId)).toEqual(['source']);
    gate.resolve();
    await run.result;
  });

  it('refuses a checkpoint mode without a store, and modes it does not know', () => {
    const graph = graphOf(new Map(), deferred(), deferred());
    expect(() => engine.start(graph, { checkpoint: 'manual' })).toThrow(/checkpoint needs a store/);
    for (const mode of ['always', { everyMs: 0 }, { everyMs: Number.NaN }, { every: 5 }, 5] as unknown as CheckpointMode[]) {
      expect(() => engine.start(graph, { store: new MemoryCheckpointStore(), checkpoint: mode })).toThrow(InvalidOptionsError);
    }
    expect(() => engine.start(graph, { store: new MemoryCheckpointStore(), checkpoint: 'always' as CheckpointMode })).toThrow(
      /checkpoint must be 'operation', 'manual', 'off' or \{ everyMs: n \} with n > 0 \(got 'always'\)/,
    );
  });
});
