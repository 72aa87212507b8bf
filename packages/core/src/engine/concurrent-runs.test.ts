import { ExecutionEngine, GraphDefinition, Input, Operation, Output, type EngineEvent, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs } from '..';
import { Gated, Gates, flushMicrotasks, record } from '../__fixtures__/engine-operations';
import { eventInvariantViolations } from '../testing/event-invariants';

async function until(condition: () => boolean): Promise<void> {
  for (let k = 0; k < 2000 && !condition(); k++) await Promise.resolve();
  if (!condition()) throw new Error('condition never held');
}

/** Emits the run variable `n`, after a few awaits so runs interleave. */
class ReadVariable extends Operation {
  @Output(Number) n!: OutputPort<number>;
  async execute(_inputs: unknown, context: ExecutionContext): Promise<Outputs<ReadVariable>> {
    await flushMicrotasks(Number(context.variables.n) % 5);
    if (context.variables.fail === true) throw new Error(`run ${context.runId} told to fail`);
    return { n: Number(context.variables.n) };
  }
}

/** Multiplies by a constant, after some awaits. */
class Times extends Operation {
  @Input(Number) x!: InputPort<number>;
  @Output(Number) y!: OutputPort<number>;
  seen: string[] = [];
  constructor(
    private readonly k: number,
    id: string,
  ) {
    super({ id });
  }
  async execute({ x }: Inputs<Times>, context: ExecutionContext): Promise<Outputs<Times>> {
    this.seen.push(context.runId);
    await flushMicrotasks(3);
    return { y: x * this.k };
  }
}

/** read ──> double, triple ──> (both) */
function diamond() {
  const graph = new GraphDefinition({ name: 'shared' });
  const read = new ReadVariable({ id: 'read' });
  const double = new Times(2, 'double');
  const triple = new Times(3, 'triple');
  graph.connect(read, 'n', double, 'x');
  graph.connect(read, 'n', triple, 'x');
  return { graph, double, triple };
}

describe('concurrent runs of one graph', () => {
  it('are isolated: each run sees its own variables and produces its own outputs', async () => {
    const { graph, double, triple } = diamond();
    const engine = new ExecutionEngine();
    const ns = Array.from({ length: 50 }, (_, k) => k);
    const runs = ns.map((n) => engine.start(graph, { runId: `run-${n}`, variables: { n } }));
    const events = runs.map((run) => record(run));
    const results = await Promise.all(runs.map((run) => run.result));
    results.forEach((result, k) => {
      expect(result.runId).toBe(`run-${k}`);
      expect(result.getOutput(double, 'y')).toBe(2 * k);
      expect(result.getOutput(triple, 'y')).toBe(3 * k);
      expect(events[k]!.every((e) => e.runId === `run-${k}`)).toBe(true);
      expect(eventInvariantViolations(events[k]!, 3)).toEqual([]);
    });
    // They really overlapped: each operation ran once per run, and the runs
    // interleaved (those with fewer awaits overtook the others).
    expect([...double.seen].sort()).toEqual(ns.map((n) => `run-${n}`).sort());
    expect(double.seen).not.toEqual(ns.map((n) => `run-${n}`));
    await engine.close();
  });

  it('fail independently', async () => {
    const { graph, double } = diamond();
    const engine = new ExecutionEngine();
    const [bad, good] = await Promise.all([engine.run(graph, { variables: { n: 1, fail: true } }), engine.run(graph, { variables: { n: 4 } })]);
    expect(bad!.status).toBe('failed');
    expect(bad!.errors[0]!.message).toBe(`run ${bad!.runId} told to fail`);
    expect(good!.status).toBe('succeeded');
    expect(good!.getOutput(double, 'y')).toBe(8);
  });

  it('are cancelled independently', async () => {
    const gates = new Gates({ perRun: true });
    const graph = new GraphDefinition().add(new Gated(gates, { id: 'wait' }));
    const engine = new ExecutionEngine();
    const first = engine.start(graph, { runId: 'first' });
    const second = engine.start(graph, { runId: 'second' });
    await until(() => gates.running === 2);
    first.cancel();
    expect((await first.result).status).toBe('cancelled');
    expect(gates.running).toBe(1);
    gates.open('second/wait');
    expect((await second.result).status).toBe('succeeded');
  });

  it('share the engine-wide maxParallel, and take turns for free slots', async () => {
    const gates = new Gates({ perRun: true });
    const graph = new GraphDefinition();
    for (let k = 0; k < 4; k++) graph.add(new Gated(gates, { id: `op${k}` }));
    const engine = new ExecutionEngine({ maxParallel: 2 });
    const a = engine.start(graph, { runId: 'A' });
    const b = engine.start(graph, { runId: 'B' });
    const all: EngineEvent[] = [];
    engine.events$.subscribe((e) => all.push(e));
    for (let done = 0; done < 8; done++) {
      await until(() => gates.running === Math.min(2, 8 - done));
      gates.open(gates.started.find((id) => !gates.finished.includes(id))!);
      await until(() => gates.finished.length === done + 1);
    }
    await Promise.all([a.result, b.result]);
    expect(gates.maxRunning).toBe(2);
    // After A's first two, slots alternate between the runs as they free up.
    expect(gates.started).toEqual(['A/op0', 'A/op1', 'A/op2', 'B/op0', 'A/op3', 'B/op1', 'B/op2', 'B/op3']);
    expect(all.filter((e) => e.type === 'RunCompleted').map((e) => e.runId).sort()).toEqual(['A', 'B']);
    await engine.close();
  });

  it('keep their own per-run cap within the shared one', async () => {
    const gates = new Gates({ perRun: true });
    const graph = new GraphDefinition();
    for (let k = 0; k < 3; k++) graph.add(new Gated(gates, { id: `op${k}` }));
    const engine = new ExecutionEngine({ maxParallel: 4 });
    const capped = engine.start(graph, { runId: 'capped', maxParallel: 1 });
    const free = engine.start(graph, { runId: 'free' });
    await until(() => gates.running === 4);
    await flushMicrotasks(20);
    expect(gates.started.filter((id) => id.startsWith('capped/'))).toEqual(['capped/op0']);
    expect(gates.started.filter((id) => id.startsWith('free/'))).toEqual(['free/op0', 'free/op1', 'free/op2']);
    for (let round = 0; round < 10 && gates.finished.length < 6; round++) {
      gates.openRunning();
      await flushMicrotasks(20);
    }
    await Promise.all([capped.result, free.result]);
  });
});
