import { lastValueFrom, toArray } from 'rxjs';
import { ExecutionEngine, GraphDefinition, Input, InvalidOptionsError, Operation, Output, Value, isPortflowError } from '..';
import type { ExecutionContext, InputPort, Inputs, OutputPort, Outputs } from '..';
import { Add, Constant } from '../__fixtures__/operations';
import { Fail, Gated, Gates } from '../__fixtures__/engine-operations';

class Mutate extends Operation {
  @Input() list!: InputPort<number[]>;
  @Output(Number) n!: OutputPort<number>;
  execute({ list }: Inputs<Mutate>): Outputs<Mutate> {
    list.push(4);
    return { n: list.length };
  }
}

class Epochs extends Operation {
  @Output(Number) done!: OutputPort<number>;
  execute(_: unknown, context: ExecutionContext): Outputs<Epochs> {
    context.reportProgress(0.5, { message: 'epoch 1', data: { epoch: 1, loss: 0.25 } });
    return { done: 1 };
  }
}

function sumGraph() {
  const graph = new GraphDefinition<{ a: number; b: number }, { sum: number }>({ name: 'sum' });
  const add = new Add({ id: 'add' });
  graph.connect(graph.input('a', Number), 'value', add, 'a');
  graph.connect(graph.input('b', Number), 'value', add, 'b');
  graph.output('sum', add, 'sum');
  return { graph, add };
}

describe('graph inputs and outputs', () => {
  it('runs with the inputs given and puts declared outputs in result.outputs', async () => {
    const { graph } = sumGraph();
    const result = await new ExecutionEngine().run(graph, { inputs: { a: 2, b: 3 } });
    expect(result.isSuccessful()).toBe(true);
    if (result.isSuccessful()) {
      const sum: number = result.outputs.sum; // narrowed: no undefined
      expect(sum).toBe(5);
    }
  });

  it('returns the same source when an input is asked for twice', () => {
    const { graph } = sumGraph();
    expect(graph.input('a')).toBe(graph.input('a'));
    expect([...graph.inputs.keys()]).toEqual(['a', 'b']);
  });

  it('rejects missing, unknown and mistyped inputs before anything runs, listing all', () => {
    const { graph } = sumGraph();
    let error: unknown;
    try {
      new ExecutionEngine().start(graph, { inputs: { a: 'two', c: 1 } as never });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    const message = (error as Error).message;
    expect(message).toMatch(/unknown input 'c': the graph declares 'a', 'b'/);
    expect(message).toMatch(/missing input 'b': pass it as run\(graph, \{ inputs: \{ b: \.\.\. \} \}\)/);
    expect(message).toMatch(/input 'a' must be number \(got string\)/);
  });

  it('reports a graph output naming a port the operation lacks', () => {
    const graph = new GraphDefinition<object, { x: number }>();
    const add = new Add({ id: 'add' });
    graph.output('x', add, 'nope' as never);
    expect(() => graph.validate()).toThrow(/Graph output 'x' names output port 'nope' of operation 'add', which has no such port: its output ports are 'sum'/);
  });

  it('keeps graph outputs while releasing intermediate outputs once read', async () => {
    const graph = new GraphDefinition<object, { total: number }>();
    const first = new Add({ id: 'first' });
    const second = new Add({ id: 'second' });
    graph.connect(new Constant(1, { id: 'one' }), 'value', first, 'a');
    graph.connect(new Constant(2, { id: 'two' }), 'value', first, 'b');
    graph.connect(first, 'sum', second, 'a');
    graph.connect(new Constant(10, { id: 'ten' }), 'value', second, 'b');
    graph.output('total', second, 'sum');
    const result = await new ExecutionEngine().run(graph);
    expect(result.outputs).toEqual({ total: 13 });
    expect(() => result.getOutput(first, 'sum')).toThrow(/Output 'sum' of operation 'first' was released during the run once its consumers had read it/);
    expect(isPortflowError((() => { try { result.getOutput(first, 'sum'); } catch (e) { return e; } })(), 'PORTFLOW_OUTPUT_RELEASED')).toBe(true); // prettier-ignore
    const kept = await new ExecutionEngine().run(graph, { retainOutputs: true });
    expect(kept.getOutput(first, 'sum')).toBe(3);
  });

  it('ships a generic Value source operation', async () => {
    const graph = new GraphDefinition<object, { sum: number }>();
    const add = new Add({ id: 'add' });
    graph.connect(new Value(4), 'value', add, 'a');
    graph.connect(new Value<number>(5, { id: 'five' }), 'value', add, 'b');
    graph.output('sum', add, 'sum');
    expect(new Value(4).toRef().params).toEqual({ value: 4 });
    expect((await new ExecutionEngine().run(graph)).outputs.sum).toBe(9);
  });
});

describe('run.output', () => {
  it('resolves as soon as its operation succeeds, while the rest of the run goes on', async () => {
    const graph = new GraphDefinition();
    const gates = new Gates();
    const slow = new Gated(gates, { id: 'slow' });
    const add = new Add({ id: 'add' });
    graph.connect(new Constant(1), 'value', add, 'a');
    graph.connect(new Constant(2), 'value', add, 'b');
    graph.add(slow);
    const run = new ExecutionEngine().start(graph);
    await expect(run.output(add, 'sum')).resolves.toBe(3);
    let settled = false;
    void run.result.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    gates.open('slow');
    expect((await run.result).status).toBe('succeeded');
  });

  it('rejects when its operation fails or is skipped, naming why', async () => {
    const graph = new GraphDefinition();
    const boom = new Fail(new RangeError('out of range'), { id: 'boom' });
    const after = new Fail(new Error('never runs'), { id: 'after' });
    graph.connect(boom, 'out', after, 'after');
    const run = new ExecutionEngine({ failurePolicy: 'continue' }).start(graph);
    await expect(run.output(boom, 'out')).rejects.toThrow(/Operation 'boom' failed and produced no output 'out': RangeError: out of range/);
    await expect(run.output(after, 'out')).rejects.toThrow(/Operation 'after' skipped and produced no output 'out': upstream operation 'boom' failed/);
    await run.result;
  });

  it('keeps an intermediate output it was asked for, even after the run', async () => {
    const graph = new GraphDefinition();
    const first = new Add({ id: 'first' });
    graph.connect(new Constant(1), 'value', first, 'a');
    graph.connect(new Constant(2), 'value', first, 'b');
    graph.connect(first, 'sum', new Add({ id: 'next' }), 'a');
    graph.connect(new Constant(3), 'value', graph.getOperation('next') as Add, 'b');
    const run = new ExecutionEngine().start(graph);
    const early = run.output(first, 'sum');
    const result = await run.result;
    await expect(early).resolves.toBe(3);
    expect(result.getOutput(first, 'sum')).toBe(3);
    await expect(run.output(graph.getOperation('next') as Add, 'sum')).resolves.toBe(6); // a leaf is kept
  });
});

describe('run.outputs$', () => {
  it('emits every output with its run and operation, and completes with the run', async () => {
    const graph = new GraphDefinition();
    graph.connect(new Constant(1, { id: 'one' }), 'value', new Add({ id: 'add' }), 'a');
    graph.connect(new Constant(2, { id: 'two' }), 'value', graph.getOperation('add') as Add, 'b');
    const run = new ExecutionEngine().start(graph, { runId: 'r' });
    const values = await lastValueFrom(run.outputs$.pipe(toArray()));
    expect(values).toEqual([
      { runId: 'r', operationId: 'one', port: 'value', value: 1 },
      { runId: 'r', operationId: 'two', port: 'value', value: 2 },
      { runId: 'r', operationId: 'add', port: 'sum', value: 3 },
    ]);
  });
});

describe('values crossing ports', () => {
  it('are frozen when freezeValues is on, so a consumer that mutates its input fails loudly', async () => {
    const graph = new GraphDefinition();
    graph.connect(new Value([1, 2, 3], { id: 'list' }), 'value', new Mutate({ id: 'mutate' }), 'list');
    const frozen = await new ExecutionEngine({ freezeValues: true }).run(graph);
    expect(frozen.status).toBe('failed');
    expect(frozen.errors[0]!.message).toMatch(/object is not extensible/);
  });

  it('carry structured progress data in OperationProgress events', async () => {
    const graph = new GraphDefinition().add(new Epochs({ id: 'train' }));
    const run = new ExecutionEngine().start(graph);
    const progress = await lastValueFrom(run.events$.pipe(toArray()));
    expect(progress.find((e) => e.type === 'OperationProgress')).toMatchObject({ fraction: 0.5, message: 'epoch 1', data: { epoch: 1, loss: 0.25 } });
  });
});
