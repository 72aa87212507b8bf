import {
  ExecutionEngine,
  GraphDefinition,
  Input,
  InvalidOptionsError,
  MemoryCheckpointStore,
  Operation,
  Output,
  UnknownRunError,
  createLogger,
  type CheckpointStore,
  type EngineEvent,
  type ExecutionContext,
  type InputPort,
  type OperationInit,
  type OutputPort,
  type LogEntry,
} from '..';
import { deferred, type Deferred } from '../testing';
import { Task } from '../__fixtures__/operations';
import { eventInvariantViolations } from '../testing/event-invariants';

/** Counts calls per operation id: the side effects a resume must not repeat. */
class Calls {
  readonly byId = new Map<string, number>();
  count(id: string): void {
    this.byId.set(id, (this.byId.get(id) ?? 0) + 1);
  }
  of(id: string): number {
    return this.byId.get(id) ?? 0;
  }
}

/** Emits `start`. */
class Source extends Operation<{ start: number }> {
  @Output(Number) value!: OutputPort<number>;
  constructor(private readonly calls: Calls, init: OperationInit<{ start: number }>) {
    super(init);
  }
  execute(_inputs: unknown, context: ExecutionContext): { value: number } {
    this.calls.count(context.operationId);
    return { value: this.params.start };
  }
}

/** Multiplies by `factor`; when `held`, says it started and waits until the run is cancelled. */
class Scale extends Operation<{ factor: number }> {
  @Input(Number) value!: InputPort<number>;
  @Output(Number) value$!: OutputPort<number>;
  constructor(private readonly calls: Calls, init: OperationInit<{ factor: number }>, private readonly held?: Deferred<void>) {
    super(init);
  }
  async execute({ value }: { value: number }, context: ExecutionContext): Promise<{ value$: number }> {
    this.calls.count(context.operationId);
    if (this.held !== undefined) {
      this.held.resolve();
      await new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason as Error), { once: true }));
    }
    return { value$: value * this.params.factor };
  }
}

/** source -> double -> triple -> plus (factor 1) */
function chain(calls: Calls, factors: { double?: number; triple?: number } = {}, held?: Deferred<void>) {
  const graph = new GraphDefinition<Record<never, never>, { result: number }>({ name: 'chain', requireIds: true });
  const source = new Source(calls, { id: 'source', params: { start: 2 } });
  const double = new Scale(calls, { id: 'double', params: { factor: factors.double ?? 2 } });
  const triple = new Scale(calls, { id: 'triple', params: { factor: factors.triple ?? 3 } }, held);
  const last = new Scale(calls, { id: 'last', params: { factor: 1 } });
  graph.connect(source, 'value', double, 'value');
  graph.connect(double, 'value$', triple, 'value');
  graph.connect(triple, 'value$', last, 'value');
  graph.output('result', last, 'value$');
  return graph;
}

function eventsOf(store: MemoryCheckpointStore, runId: string): EngineEvent[] {
  return store.run(runId)!.events;
}

describe('checkpoint and resume', () => {
  it('restores what an interrupted run completed and runs only the rest, to the same outputs', async () => {
    const engine = new ExecutionEngine();
    const store = new MemoryCheckpointStore();
    const calls = new Calls();
    const tripleStarted = deferred<void>();
    const first = engine.start(chain(calls, {}, tripleStarted), { store });
    await tripleStarted.promise;
    first.cancel('killed half-way');
    expect((await first.result).status).toBe('cancelled');

    const second = await engine.run(chain(calls), { store, resume: 'latest' });
    expect(second.status).toBe('succeeded');
    expect(second.outputs.result).toBe(12);
    expect([calls.of('source'), calls.of('double'), calls.of('triple'), calls.of('last')]).toEqual([1, 1, 2, 1]);
    const records = Object.fromEntries(second.operations.map((r) => [r.operationId, r]));
    expect(records.source).toMatchObject({ status: 'succeeded', attempts: 0, restoredFrom: first.runId });
    expect(records.double).toMatchObject({ status: 'succeeded', attempts: 0, restoredFrom: first.runId });
    expect(records.triple!.restoredFrom).toBeUndefined();
    expect(records.triple!.cacheKey).toMatch(/^[0-9a-f]{64}$/);

    const journal = eventsOf(store, second.runId);
    expect(eventInvariantViolations(journal, 4)).toEqual([]);
    expect(journal.filter((e) => e.type === 'OperationRestored').map((e) => e.operationId)).toEqual(['source', 'double']);
    expect(journal.find((e) => e.type === 'OperationRestored')).toMatchObject({ fromRunId: first.runId, cacheKey: records.source!.cacheKey });
    expect(store.run(second.runId)).toMatchObject({ status: 'succeeded', resumedFrom: first.runId });
    await engine.close();
  });

  it('keeps context.idempotencyKey across a resume chain: every resumed run has its own id, the key is the first run\'s', async () => {
    const engine = new ExecutionEngine();
    const store = new MemoryCheckpointStore();
    const keys: string[] = [];
    let failuresLeft = 2;
    const graphOf = () =>
      new GraphDefinition({ name: 'keys' }).add(
        new Task((context) => void keys.push(`${context.runId} ${context.idempotencyKey}`), { id: 'a' }),
        new Task((context) => {
          keys.push(`${context.runId} ${context.idempotencyKey}`);
          if (failuresLeft-- > 0) throw new Error('not yet');
        }, { id: 'b' }),
      );
    const first = await engine.run(graphOf(), { store });
    const second = await engine.run(graphOf(), { store, resume: first.runId });
    const third = await engine.run(graphOf(), { store, resume: 'latest' });
    expect([first.status, second.status, third.status]).toEqual(['failed', 'failed', 'succeeded']);
    expect(new Set([first.runId, second.runId, third.runId]).size).toBe(3);
    expect(store.run(third.runId)).toMatchObject({ resumedFrom: second.runId });
    expect(keys).toEqual([`${first.runId} ${first.runId}/a`, `${first.runId} ${first.runId}/b`, `${second.runId} ${first.runId}/b`, `${third.runId} ${first.runId}/b`]);
    // A run without resume starts a chain of its own.
    const fresh = await engine.run(graphOf(), { store });
    expect(keys.slice(4)).toEqual([`${fresh.runId} ${fresh.runId}/a`, `${fresh.runId} ${fresh.runId}/b`]);
    await engine.close();
  });

  it('runs again exactly what a params change affects, by content: a downstream step whose input did not change is restored', async () => {
    const engine = new ExecutionEngine();
    const store = new MemoryCheckpointStore();
    const calls = new Calls();
    const first = await engine.run(chain(calls), { store });
    calls.byId.clear();
    // triple's params change; its output changes, so last's input changes too.
    const second = await engine.run(chain(calls, { triple: 5 }), { store, resume: first.runId });
    expect(second.outputs.result).toBe(20);
    expect([calls.of('source'), calls.of('double'), calls.of('triple'), calls.of('last')]).toEqual([0, 0, 1, 1]);
    calls.byId.clear();
    // double's params change from 2 to 2.0: the same computation, nothing runs.
    const third = await engine.run(chain(calls, { triple: 5, double: 2.0 }), { store, resume: second.runId });
    expect(third.outputs.result).toBe(20);
    expect(calls.byId.size).toBe(0);
    await engine.close();
  });

  it('restores a step whose params changed but whose output did not change for its consumers', async () => {
    const engine = new ExecutionEngine();
    const store = new MemoryCheckpointStore();
    const calls = new Calls();
    const graphOf = (start: number) => {
      const graph = new GraphDefinition<Record<never, never>, { result: number }>({ name: 'clamp', requireIds: true });
      const source = new Source(calls, { id: 'source', params: { start } });
      const zero = new Scale(calls, { id: 'zero', params: { factor: 0 } });
      const last = new Scale(calls, { id: 'last', params: { factor: 1 } });
      graph.connect(source, 'value', zero, 'value');
      graph.connect(zero, 'value$', last, 'value');
      graph.output('result', last, 'value$');
      return graph;
    };
    const first = await engine.run(graphOf(1), { store });
    calls.byId.clear();
    await engine.run(graphOf(7), { store, resume: first.runId });
    // source and zero run again (source's params changed), last sees 0 as before: restored.
    expect([calls.of('source'), calls.of('zero'), calls.of('last')]).toEqual([1, 1, 0]);
    await engine.close();
  });

  it('reruns the named steps and everything downstream, and restores the rest', async () => {
    const engine = new ExecutionEngine();
    const store = new MemoryCheckpointStore();
    const calls = new Calls();
    await engine.run(chain(calls), { store });
    calls.byId.clear();
    const again = await engine.run(chain(calls), { store, resume: 'latest', rerun: ['double'] });
    expect(again.outputs.result).toBe(12);
    expect([calls.of('source'), calls.of('double'), calls.of('triple'), calls.of('last')]).toEqual([0, 1, 1, 1]);
    await engine.close();
  });

  it('reuses results across runs for operations with the cache setting, within their ttl', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const engine = new ExecutionEngine();
      const store = new MemoryCheckpointStore();
      const calls = new Calls();
      const graphOf = (cache: boolean | { ttlMs: number }) => {
        const graph = new GraphDefinition({ name: 'cached', requireIds: true });
        graph.connect(new Source(calls, { id: 'source', params: { start: 4 }, cache }), 'value', new Scale(calls, { id: 'scale', params: { factor: 2 }, cache }), 'value');
        return graph;
      };
      await engine.run(graphOf(true), { store });
      await engine.run(graphOf(true), { store });
      expect([calls.of('source'), calls.of('scale')]).toEqual([1, 1]);
      jest.setSystemTime(1_000_000 + 60_000);
      const late = await engine.run(graphOf({ ttlMs: 30_000 }), { store });
      expect([calls.of('source'), calls.of('scale')]).toEqual([2, 2]);
      expect(late.operations.every((r) => r.restoredFrom === undefined)).toBe(true);
      await engine.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it('runs again, with a warning, an operation whose output cannot be stored, and what reads it', async () => {
    const entries: LogEntry[] = [];
    const engine = new ExecutionEngine({ logger: createLogger((e) => entries.push(e)) });
    const store = new MemoryCheckpointStore();
    let made = 0;
    class MakeFn extends Operation {
      @Output() fn!: OutputPort<() => number>;
      execute() {
        made++;
        return { fn: () => 1 };
      }
    }
    class CallFn extends Operation {
      @Input() fn!: InputPort<() => number>;
      @Output(Number) n!: OutputPort<number>;
      execute({ fn }: { fn: () => number }) {
        return { n: fn() };
      }
    }
    const graphOf = () => {
      const graph = new GraphDefinition({ name: 'fn' });
      graph.connect(new MakeFn({ id: 'make' }), 'fn', new CallFn({ id: 'call' }), 'fn');
      return graph;
    };
    const first = await engine.run(graphOf(), { store });
    expect(first.status).toBe('succeeded');
    expect(entries.find((e) => e.level === 'warn')?.message).toMatch(/Operation 'make': output 'fn' cannot be stored: .*it will run again on resume/);
    expect(store.run(first.runId)!.operations.get('make')).toMatchObject({ status: 'succeeded', reason: expect.stringMatching(/cannot be stored/) });
    const second = await engine.run(graphOf(), { store, resume: first.runId });
    expect(made).toBe(2);
    expect(second.operations.every((r) => r.restoredFrom === undefined)).toBe(true);
    await engine.close();
  });

  it('runs again an operation whose stored value is damaged, and says so', async () => {
    const entries: LogEntry[] = [];
    const engine = new ExecutionEngine({ logger: createLogger((e) => entries.push(e)) });
    const store = new MemoryCheckpointStore();
    const calls = new Calls();
    const first = await engine.run(chain(calls), { store });
    const stored = store.run(first.runId)!.operations.get('double')!.outputs!.value$!;
    const bytes = stored.bytes as Uint8Array;
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    calls.byId.clear();
    const second = await engine.run(chain(calls), { store, resume: first.runId });
    expect(second.outputs.result).toBe(12);
    expect(calls.of('double')).toBe(1);
    expect(calls.of('source')).toBe(0);
    expect(entries.find((e) => e.level === 'warn')?.message).toMatch(/Operation 'double': its stored result cannot be restored \(.*damaged.*\); running it again/);
    await engine.close();
  });

  it('does not start when the store cannot open the run, and names unknown runs', async () => {
    const engine = new ExecutionEngine();
    const calls = new Calls();
    const broken: CheckpointStore = { openRun: () => Promise.reject(new Error('store unreachable')) };
    await expect(engine.run(chain(calls), { store: broken })).rejects.toThrow('store unreachable');
    expect(calls.byId.size).toBe(0);
    expect(engine.activeRuns).toBe(0);
    const store = new MemoryCheckpointStore();
    await expect(engine.run(chain(calls), { store, resume: 'nope' })).rejects.toThrow(UnknownRunError);
    await expect(engine.run(chain(calls), { store, resume: 'latest' })).rejects.toThrow("No unfinished run of graph 'chain' to resume");
    await engine.close();
  });

  it('refuses resume without a store, rerun without resume, and unknown rerun steps', () => {
    const engine = new ExecutionEngine();
    const graph = chain(new Calls());
    const store = new MemoryCheckpointStore();
    expect(() => engine.start(graph, { resume: 'latest' })).toThrow(/resume needs a store/);
    expect(() => engine.start(graph, { store, rerun: ['double'] })).toThrow(/rerun needs resume/);
    expect(() => engine.start(graph, { store, resume: 'latest', rerun: ['dubble'] })).toThrow(InvalidOptionsError);
    expect(() => engine.start(graph, { store, resume: 'latest', rerun: ['dubble'] })).toThrow(/'dubble'/);
  });

  it('refuses a cache setting that is not true, false or { ttlMs }', () => {
    const graph = new GraphDefinition();
    graph.add(new Source(new Calls(), { id: 's', params: { start: 1 }, cache: { ttlMs: -5 } as never }));
    expect(() => graph.validate()).toThrow(/cache must be true, false or \{ ttlMs/);
  });
});
