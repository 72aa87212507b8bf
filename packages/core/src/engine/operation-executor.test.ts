import { ExecutionEngine, GraphDefinition, GraphValidationError, type ExecutorProblem, type OperationExecutor } from '..';
import { Task } from '../__fixtures__/operations';

describe('OperationExecutor', () => {
  function graphOf(...ops: Task[]): GraphDefinition {
    return new GraphDefinition({ name: 'executors' }).add(...ops);
  }

  it('runs operations of its resource hint instead of the main thread', async () => {
    const ran: string[] = [];
    const executor: OperationExecutor = {
      execute(operation, inputs, context) {
        ran.push(context.operationId);
        return operation.execute(inputs, context);
      },
    };
    const engine = new ExecutionEngine({ executors: { cpu_bound: executor } });
    const result = await engine.run(graphOf(new Task(() => undefined, { id: 'cpu', resource: 'cpu_bound' }), new Task(() => undefined, { id: 'io' })));
    expect(result.status).toBe('succeeded');
    expect(ran).toEqual(['cpu']);
  });

  it('rejects the run before anything starts when an executor refuses operations, listing every reason', async () => {
    let started = 0;
    const executor: OperationExecutor = {
      validate: (operation) => (operation.id === 'fine' ? [] : ['it holds a closure', 'its module is TypeScript']),
      execute: () => {
        started++;
      },
    };
    const engine = new ExecutionEngine({ executors: { cpu_bound: executor } });
    const graph = graphOf(
      new Task(() => undefined, { id: 'fine', resource: 'cpu_bound' }),
      new Task(() => undefined, { id: 'closure', resource: 'cpu_bound' }),
      new Task(() => undefined, { id: 'main' }),
    );
    const error = await engine.run(graph).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GraphValidationError);
    const problems = (error as GraphValidationError).problems as ExecutorProblem[];
    expect(problems.map((p) => [p.kind, p.operationId, p.resource])).toEqual([
      ['executor', 'closure', 'cpu_bound'],
      ['executor', 'closure', 'cpu_bound'],
    ]);
    expect(problems[0]!.message).toBe("Operation 'closure' (cpu_bound) cannot run on its executor: it holds a closure");
    expect(started).toBe(0);
    expect(engine.activeRuns).toBe(0);
  });

  it('asks once per graph version', async () => {
    let asked = 0;
    const executor: OperationExecutor = {
      validate: () => {
        asked++;
        return [];
      },
      execute: () => undefined,
    };
    const engine = new ExecutionEngine({ executors: { cpu_bound: executor } });
    const graph = graphOf(new Task(() => undefined, { id: 'a', resource: 'cpu_bound' }));
    await engine.run(graph);
    await engine.run(graph);
    expect(asked).toBe(1);
    graph.add(new Task(() => undefined, { id: 'b', resource: 'cpu_bound' }));
    await engine.run(graph);
    expect(asked).toBe(3);
  });
});
