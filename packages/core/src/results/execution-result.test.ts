import {
  ExecutionEngine,
  GraphDefinition,
  MissingOutputError,
  PortTypeError,
  UnknownOperationError,
  type ExecutionResult,
  type OperationRecord,
} from '..';
import { Add, Constant, Format, Task } from '../__fixtures__/operations';
import { Emit, Fail, Liar, Square } from '../__fixtures__/engine-operations';

/** two, three ──> add ──> format; boom (fails, under 'continue') ──> victim */
async function mixedResult() {
  const graph = new GraphDefinition({ name: 'mixed' });
  const add = new Add({ id: 'add' });
  const format = new Format({ id: 'format' });
  graph.connect(new Constant(2, { id: 'two' }), 'value', add, 'a');
  graph.connect(new Constant(3, { id: 'three' }), 'value', add, 'b');
  graph.connect(add, 'sum', format, 'value');
  const boom = new Fail(new RangeError('out of range'), { id: 'boom' });
  graph.dependsOn(new Task(() => undefined, { id: 'victim' }), boom);
  const result = await new ExecutionEngine({ failurePolicy: 'continue' }).run(graph, { runId: 'run-1', retainOutputs: true });
  return { result, add, format, boom };
}

describe('ExecutionResult', () => {
  it('gives outputs typed from the port', async () => {
    const { result, add, format } = await mixedResult();
    const sum: number | undefined = result.getOutput(add, 'sum');
    const text: string | undefined = result.getOutput(format, 'text');
    // @ts-expect-error 'sum' is a number port
    const wrong: string | undefined = result.getOutput(add, 'sum');
    // @ts-expect-error 'a' is an input, not an output
    result.getOutput(add, 'a');
    void wrong;
    expect(sum).toBe(5);
    expect(text).toBe('#5');
    expect(result.getOutput('add', 'sum')).toBe(5); // by id: unknown type
  });

  it('gives undefined for an operation that did not succeed', async () => {
    const { result, boom } = await mixedResult();
    expect(result.getOutput(boom, 'out')).toBeUndefined();
  });

  it('throws an UnknownOperationError for an operation not in the run', async () => {
    const { result } = await mixedResult();
    expect(() => result.getOutput('nope', 'x')).toThrow(UnknownOperationError);
    expect(() => result.getRecord(new Constant(1))).toThrow("Run run-1 of graph 'mixed' has no operation Constant(no id): it has no id, so it was never added to a graph");
    expect(() => result.getRecord('nope')).toThrow(expect.objectContaining({ code: 'PORTFLOW_UNKNOWN_OPERATION' }));
  });

  it('keeps a record per operation: status, attempts, times and duration', async () => {
    const { result } = await mixedResult();
    expect(result.operations.map((r) => [r.operationId, r.status, r.attempts])).toEqual([
      ['two', 'succeeded', 1],
      ['three', 'succeeded', 1],
      ['boom', 'failed', 1],
      ['add', 'succeeded', 1],
      ['victim', 'skipped', 0],
      ['format', 'succeeded', 1],
    ]);
    const add = result.getRecord('add');
    expect(add.startedAt).toEqual(expect.any(Number));
    expect(add.durationMs).toBe(add.finishedAt! - add.startedAt!);
    expect(add.startedAt).toBeGreaterThanOrEqual(result.startedAt);
    expect(add.finishedAt).toBeLessThanOrEqual(result.finishedAt);
    expect(result.getRecord('boom').error).toMatchObject({ name: 'RangeError', message: 'out of range', stack: expect.stringContaining('RangeError: out of range') });
    expect(result.durationMs).toBe(result.finishedAt - result.startedAt);
    expect(result.counts).toEqual({ total: 6, succeeded: 4, failed: 1, skipped: 1, cancelled: 0 });
    expect(result.graphName).toBe('mixed');
  });

  it('keeps each failure with the original error and its stack', async () => {
    const { result } = await mixedResult();
    expect(result.errors).toHaveLength(1);
    const [failure] = result.errors;
    expect(failure).toMatchObject({ operationId: 'boom', attempt: 1, name: 'RangeError', message: 'out of range' });
    expect(failure!.error).toBeInstanceOf(RangeError);
    expect(failure!.stack).toBe((failure!.error as Error).stack);
  });

  it('summarises what went wrong in getErrorMessage', async () => {
    const { result } = await mixedResult();
    expect(result.isSuccessful()).toBe(false);
    expect(result.getErrorMessage()).toBe('boom (attempt 1): RangeError: out of range');
    const ok = await new ExecutionEngine().run(new GraphDefinition().add(new Constant(1)));
    expect(ok.isSuccessful()).toBe(true);
    expect(ok.getErrorMessage()).toBeUndefined();
  });

  it('describes thrown non-errors too', async () => {
    const graph = new GraphDefinition().add(new Fail({ reason: 'quota' }, { id: 'odd' }), new Fail('plain text', { id: 'text' }));
    const result = await new ExecutionEngine({ failurePolicy: 'continue' }).run(graph);
    expect(result.errors.map(({ name, message }) => ({ name, message }))).toEqual([
      { name: 'NonError', message: '{"reason":"quota"}' },
      { name: 'NonError', message: 'plain text' },
    ]);
    expect(result.errors[0]!.error).toEqual({ reason: 'quota' });
  });

  it('is plain data in JSON: everything but outputs and original errors, and it round-trips', async () => {
    const { result } = await mixedResult();
    const json = JSON.parse(JSON.stringify(result)) as ReturnType<ExecutionResult['toJSON']>;
    expect(json).toEqual(result.toJSON());
    expect(Object.keys(json)).toEqual(['runId', 'graphName', 'status', 'startedAt', 'finishedAt', 'durationMs', 'counts', 'operations', 'errors']);
    expect(json.errors).toEqual([
      { operationId: 'boom', attempt: 1, name: 'RangeError', message: 'out of range', stack: expect.stringContaining('out of range') },
    ]);
    expect((json.operations as OperationRecord[]).find((r) => r.operationId === 'victim')).toEqual({
      operationId: 'victim',
      status: 'skipped',
      attempts: 0,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      reason: "upstream operation 'boom' failed",
      upstreamOperationId: 'boom',
    });
    expect(JSON.stringify(result)).not.toContain('"#5"'); // no output values
  });

  it('carries the stop reason of a cancelled run in JSON', async () => {
    const engine = new ExecutionEngine();
    const run = engine.start(new GraphDefinition().add(new Constant(1)));
    run.cancel('maintenance window');
    const json = JSON.parse(JSON.stringify(await run.result)) as Record<string, unknown>;
    expect(json).toMatchObject({ status: 'cancelled', reason: 'maintenance window' });
  });
});

describe('port checks at run time', () => {
  it('fails an operation whose input arrives with the wrong type (untyped source)', async () => {
    const graph = new GraphDefinition();
    const square = new Square({ id: 'square' });
    graph.connect(new Emit('seven', { id: 'emit' }), 'value', square, 'x');
    const result = await new ExecutionEngine().run(graph);
    const error = result.errors[0]!.error as PortTypeError;
    expect(error).toBeInstanceOf(PortTypeError);
    expect(error).toMatchObject({ code: 'PORTFLOW_PORT_TYPE', operationId: 'square', port: 'x', direction: 'input', expected: 'number', actual: 'string' });
    expect(error.message).toBe(
      "Operation 'square' received on input port 'x' a value of type string, but the port expects number. Fix the value's producer or the port's declared type.",
    );
  });

  it('fails an operation that returns the wrong type for an output', async () => {
    const graph = new GraphDefinition().add(new Liar({ value: [1, 2] }, { id: 'liar' }));
    const result = await new ExecutionEngine().run(graph);
    expect(result.errors[0]!.error).toMatchObject({ name: 'PortTypeError', port: 'value', direction: 'output', actual: 'Array(2)' });
  });

  it.each([
    ['an object without the port', {}],
    ['nothing', undefined],
    ['a number', 42],
  ])('fails an operation that returns %s for its outputs with a MissingOutputError', async (_name, returned) => {
    const graph = new GraphDefinition().add(new Liar(returned, { id: 'liar' }));
    const result = await new ExecutionEngine().run(graph);
    const error = result.errors[0]!.error as MissingOutputError;
    expect(error).toBeInstanceOf(MissingOutputError);
    expect(error).toMatchObject({ code: 'PORTFLOW_OUTPUT_MISSING', operationId: 'liar', port: 'value' });
    expect(error.message).toContain("Return an object with a 'value' property from execute()");
  });

  it('accepts an explicit undefined on an untyped output', async () => {
    const graph = new GraphDefinition().add(new Emit(undefined, { id: 'emit' }));
    expect((await new ExecutionEngine().run(graph)).status).toBe('succeeded');
  });
});
