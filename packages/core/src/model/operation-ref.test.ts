import { join } from 'node:path';
import { ExecutionEngine, GraphDefinition, InvalidParamsError, ModuleResolver, Operation, OperationOptions, OperationRefError, Output, isPortflowError } from '..';
import type { OperationRef, OutputPort, Outputs } from '..';
import { Constant } from '../__fixtures__/operations';
import { Scale, constructed } from '../__fixtures__/ref-operations';

const root = join(__dirname, '..', '..');

describe('Operation identity and params', () => {
  it('declares a type name and version with @OperationOptions, defaulting to the class name and 1', () => {
    expect(new Scale({ params: { factor: 2 } })).toMatchObject({ type: 'test.scale', version: 2 });
    expect(new Constant(1)).toMatchObject({ type: 'Constant', version: 1 });
  });

  it('does not let a subclass inherit its parent type name', () => {
    class Bigger extends Scale {}
    expect(new Bigger({ params: { factor: 3 } }).type).toBe('Bigger');
  });

  it('holds params as deep-frozen data, copied from what was given', () => {
    const given = { factor: 2, label: 'x' };
    const op = new Scale({ params: given });
    given.factor = 5;
    expect(op.params).toEqual({ factor: 2, label: 'x' });
    expect(Object.isFrozen(op.params)).toBe(true);
  });

  it('rejects params that are not JSON data, naming the path', () => {
    expect(() => new Scale({ params: { factor: 2, label: new Date() as never } })).toThrow(/params\.label is a Date/);
    expect(() => new Scale({ params: { factor: Number.NaN } })).toThrow(/params\.factor is NaN/);
  });

  it("runs the class's validateParams and lists every problem in an InvalidParamsError", () => {
    let error: unknown;
    try {
      new Scale({ params: { factor: -1 } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidParamsError);
    expect(isPortflowError(error, 'PORTFLOW_INVALID_PARAMS')).toBe(true);
    expect((error as Error).message).toMatch(/Invalid params for operation type 'test.scale':\n {2}- factor must be a number > 0 \(got -1\)/);
  });
});

describe('Settings where the graph is built', () => {
  it('takes id and settings from graph.add(op, placement)', () => {
    const graph = new GraphDefinition();
    const op = new Constant(1);
    graph.add(op, { id: 'one', timeoutMs: 50, executor: 'gpu' });
    expect(op.id).toBe('one');
    expect(op.settings).toMatchObject({ timeoutMs: 50, executor: 'gpu' });
  });

  it('merges op.with() over class defaults and constructor settings, and returns the operation', () => {
    @OperationOptions({ timeoutMs: 10, resource: 'cpu_bound' })
    class Slow extends Operation {
      @Output(Number) n!: OutputPort<number>;
      execute(): Outputs<Slow> {
        return { n: 1 };
      }
    }
    const op = new Slow({ description: 'd' }).with({ timeoutMs: 20 });
    expect(op.settings).toEqual({ timeoutMs: 20, resource: 'cpu_bound', description: 'd' });
  });

  it('fixes settings once a graph holding the operation has run', async () => {
    const op = new Constant(1, { id: 'c' });
    const graph = new GraphDefinition().add(op);
    await new ExecutionEngine().run(graph);
    expect(() => op.with({ timeoutMs: 5 })).toThrow(/settings are fixed once a graph holding the operation has run/);
  });

  it('refuses to change an id', () => {
    expect(() => new Constant(1, { id: 'a' }).with({ id: 'b' })).toThrow(/already has id 'a'; an operation's id cannot change/);
  });

  it('requires explicit ids when the graph says so', () => {
    const graph = new GraphDefinition({ name: 'durable', requireIds: true });
    expect(() => graph.add(new Constant(1))).toThrow(/Graph 'durable' requires explicit operation ids/);
    expect(() => graph.add(new Constant(1), { id: 'one' })).not.toThrow();
  });

  it('derives ids per type, so adding an operation of another type shifts none', () => {
    const build = (extra: boolean): string[] => {
      const graph = new GraphDefinition();
      const ops: Operation[] = [new Constant(1)];
      if (extra) ops.push(new Scale({ params: { factor: 1 } }));
      ops.push(new Constant(2));
      graph.add(...ops);
      return graph.operations.filter((o) => o instanceof Constant).map((o) => o.id);
    };
    expect(build(true)).toEqual(build(false));
  });
});

describe('Operation.toRef', () => {
  it('is plain JSON that survives a round trip', () => {
    const ref = new Scale({ id: 's', params: { factor: 2 }, retry: { maxAttempts: 3, retryOn: () => true }, timeoutMs: 9 }).toRef();
    expect(ref).toEqual({
      type: 'test.scale',
      version: 2,
      id: 's',
      params: { factor: 2 },
      settings: { retry: { maxAttempts: 3 }, timeoutMs: 9 },
      module: { specifier: './src/__fixtures__/ref-operations', export: 'Scale' },
    });
    expect(JSON.parse(JSON.stringify(ref))).toEqual(ref);
  });
});

describe('ModuleResolver', () => {
  const ref = (over: Partial<OperationRef> = {}): OperationRef => ({
    ...new Scale({ id: 'scale', params: { factor: 3 }, timeoutMs: 7 }).toRef(),
    ...over,
  });

  it('imports the module, runs the constructor and returns an operation that runs', async () => {
    const wanted = ref();
    constructed.length = 0;
    const op = await new ModuleResolver({ root }).resolve(wanted);
    expect(constructed).toEqual(['scale:3']);
    expect(op).toBeInstanceOf(Scale);
    expect(op.settings).toMatchObject({ timeoutMs: 7 });
    const graph = new GraphDefinition();
    graph.connect(new Constant(2), 'value', op as Scale, 'value');
    const result = await new ExecutionEngine().run(graph);
    expect(result.getOutput(op as Scale, 'scaled')).toBe(6);
  });

  it.each([
    ['an absolute path', { specifier: join(root, 'src/__fixtures__/ref-operations'), export: 'Scale' }, /never an absolute path/],
    ['a path outside the root', { specifier: '../../workers/src/index', export: 'Scale' }, /points outside the resolver's root/],
    ['a URL', { specifier: 'file:///etc/passwd', export: 'Scale' }, /never an absolute path or URL/],
    ['a missing module', { specifier: './src/__fixtures__/nothing-here', export: 'Scale' }, /cannot be found from the resolver's root/],
    ['an export that is no operation', { specifier: './src/__fixtures__/ref-operations', export: 'notAnOperation' }, /has no export 'notAnOperation' holding an operation class/],
  ])('refuses %s with an OperationRefError', async (_name, module, message) => {
    const attempt = new ModuleResolver({ root }).resolve(ref({ module }));
    await expect(attempt).rejects.toThrow(OperationRefError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('refuses a ref whose version differs from the loaded class', async () => {
    await expect(new ModuleResolver({ root }).resolve(ref({ version: 1 }))).rejects.toThrow(
      /exports Scale as operation type 'test.scale' version 2, but the ref asks for type 'test.scale' version 1/,
    );
  });

  it('loads only allowed specifiers when given an allow list', async () => {
    await expect(new ModuleResolver({ root, allow: ['@acme/ops'] }).resolve(ref())).rejects.toThrow(/not in this resolver's allow list/);
  });

  it('reports params the constructor refuses as an OperationRefError with the cause', async () => {
    const error = await new ModuleResolver({ root }).resolve(ref({ params: { factor: 0 } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationRefError);
    expect((error as Error).cause).toBeInstanceOf(InvalidParamsError);
  });
});

describe('Executors chosen per operation', () => {
  it('runs an operation on the executor its executor setting names', async () => {
    const seen: string[] = [];
    const gpu = { execute: (op: Operation, inputs: Readonly<Record<string, unknown>>, ctx: never) => (seen.push(op.id), op.execute(inputs, ctx)) };
    const graph = new GraphDefinition();
    graph.add(new Constant(1), { id: 'on-gpu', executor: 'gpu' });
    graph.add(new Constant(2), { id: 'inline' });
    const result = await new ExecutionEngine({ executors: { gpu } }).run(graph);
    expect(result.status).toBe('succeeded');
    expect(seen).toEqual(['on-gpu']);
  });

  it('rejects the run before it starts when the named executor is missing', async () => {
    const graph = new GraphDefinition();
    graph.add(new Constant(1), { id: 'c', executor: 'gpu' });
    await expect(new ExecutionEngine().run(graph)).rejects.toThrow(/Operation 'c' asks for executor 'gpu', but the engine has none of that name/);
  });
});
