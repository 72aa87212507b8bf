import { lastValueFrom, toArray } from 'rxjs';
import { defineOperation, ExecutionEngine, Flow, GraphDefinition, ModuleResolver, OperationStateError, port, Value } from '..';
import type { ExecutionContext } from '..';

interface Model {
  readonly slope: number;
}

// A three-step pipeline as functions: the shape the ML example uses.
const Load = defineOperation('load', { inputs: { n: Number }, outputs: { xs: port<number[]>(Array) } }, ({ n }) => ({ xs: Array.from({ length: n }, (_, i) => i) }));
const Fit = defineOperation(
  'fit',
  { inputs: { xs: port<number[]>(Array), rate: port(Number, { default: 2 }) }, outputs: { model: port<Model>() }, version: 3 },
  ({ rate }, context: ExecutionContext) => {
    context.reportProgress(1, { message: 'fitted', data: { rate } });
    return { model: { slope: rate } };
  },
);
const Score = defineOperation('score', { inputs: { model: port<Model>(), xs: port<number[]>(Array) }, outputs: { total: Number } }, ({ model, xs }) => ({
  total: xs.reduce((sum, x) => sum + model.slope * x, 0),
}));

describe('defineOperation', () => {
  it('makes an operation class with typed ports, type name, version and settings', async () => {
    const fit = new Fit({ id: 'fit', timeoutMs: 100 });
    expect(fit).toMatchObject({ type: 'fit', version: 3 });
    expect(fit.settings.timeoutMs).toBe(100);
    expect(fit.ports.map((p) => `${p.direction} ${p.name}: ${p.typeName}${p.optional ? '?' : ''}`)).toEqual(['input xs: Array', 'input rate: number?', 'output model: unknown']);
    const graph = new GraphDefinition<object, { total: number }>();
    const load = new Load({ id: 'load' });
    const score = new Score({ id: 'score' });
    graph.connect(new Value(4), 'value', load, 'n');
    graph.connect(load, 'xs', fit, 'xs');
    graph.connect(fit, 'model', score, 'model');
    graph.connect(load, 'xs', score, 'xs');
    graph.output('total', score, 'total');
    const result = await new ExecutionEngine().run(graph);
    expect(result.outputs.total).toBe(12); // (0+1+2+3) * 2
  });

  it('shares one port table per definition (no per-instance ports)', () => {
    expect(new Load().portMap()).toBe(new Load().portMap());
  });

  it('checks returned values against the output types at run time', async () => {
    const Wrong = defineOperation('wrong', { outputs: { n: Number } }, () => ({ n: 'text' as unknown as number }));
    const result = await new ExecutionEngine().run(new GraphDefinition().add(new Wrong({ id: 'w' })));
    expect(result.errors[0]!.message).toMatch(/returned for output port 'n' a value of type string, but the port expects number/);
  });
});

describe('Flow', () => {
  it('builds the graph from calls with values and futures, and runs it on the first await', async () => {
    const flow = new Flow({ name: 'script' });
    const { xs } = flow.call(Load, { n: 4 });
    const { model } = flow.call(Fit, { xs, rate: 3 });
    const { total } = flow.call(Score, { model, xs });
    expect(flow.graph.operations.map((o) => o.id)).toEqual(['load_1', 'load_1.n', 'fit_2', 'fit_2.rate', 'score_3']);
    await expect(total).resolves.toBe(18);
    await expect(model).resolves.toEqual({ slope: 3 });
    expect((await flow.result()).status).toBe('succeeded');
  });

  it('uses defaults for optional inputs left out', async () => {
    const flow = new Flow();
    const { model } = flow.call(Fit, { xs: [1] });
    await expect(model).resolves.toEqual({ slope: 2 });
  });

  it('streams progress through the run handle', async () => {
    const flow = new Flow();
    flow.call(Fit, { xs: [1] });
    const events = lastValueFrom(flow.start().events$.pipe(toArray()));
    expect((await events).find((e) => e.type === 'OperationProgress')).toMatchObject({ message: 'fitted', data: { rate: 2 } });
  });

  it('rejects a future whose operation failed', async () => {
    const Boom = defineOperation('boom', { outputs: { n: Number } }, () => {
      throw new RangeError('no data');
    });
    const flow = new Flow();
    const { n } = flow.call(Boom, {});
    await expect(n).rejects.toThrow(/Operation 'boom_1' failed and produced no output 'n': RangeError: no data/);
  });

  it('refuses calls once running, unknown inputs and futures of another flow', async () => {
    const flow = new Flow();
    const { xs } = flow.call(Load, { n: 1 });
    expect(() => flow.call(Fit, { xs, nope: 1 } as never)).toThrow(/fit has no input 'nope'; its inputs are 'xs', 'rate'/);
    expect(() => new Flow().call(Fit, { xs })).toThrow(/belongs to another Flow/);
    await xs;
    expect(() => flow.call(Fit, { xs })).toThrow(OperationStateError);
  });

  it('type-checks inputs and outputs of calls', () => {
    const flow = new Flow();
    const { xs } = flow.call(Load, { n: 1 });
    // @ts-expect-error n must be a number
    flow.call(Load, { n: 'one' });
    // @ts-expect-error model is required
    flow.call(Score, { xs });
    const { total } = flow.call(Score, { xs, model: { slope: 1 } });
    const check: PromiseLike<number> = total;
    void check;
  });
});

describe('defined operations as refs', () => {
  it('round-trip through a ModuleResolver when their definition names its module', async () => {
    const ref = { type: 'test.triple', version: 1, params: {}, id: 't', module: { specifier: './src/__fixtures__/defined-operations', export: 'Triple' } };
    const op = await new ModuleResolver({ root: `${__dirname}/../..` }).resolve(ref);
    expect(op.toRef()).toEqual({ ...ref, settings: {} });
  });
});
