import { createLogger, ExecutionEngine, GraphDefinition, GraphValidationError, MemoryCheckpointStore, type ExecutorProblem, type LogEntry, type OperationExecutor, type RunEndedSummary } from '..';
import { Task } from '../__fixtures__/operations';
import { deferred } from '../testing';

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

  describe('runEnded', () => {
    /** An executor that runs operations inline and records every runEnded call; `hold` keeps the call pending. */
    function listening(name: string, calls: string[], hold?: Promise<void>): OperationExecutor {
      return {
        execute: (operation, inputs, context) => operation.execute(inputs, context),
        async runEnded(runId: string, summary: RunEndedSummary) {
          calls.push(`${name} ${runId} ${summary.rootRunId} ${summary.status} ${summary.counts.succeeded}/${summary.counts.total}${summary.reason === undefined ? '' : ` ${summary.reason}`}`);
          await hold;
        },
      };
    }

    it('is called once per run for each distinct executor of its graph, used or not, and the result waits for it', async () => {
      const calls: string[] = [];
      const held = deferred<void>();
      const cpu = listening('cpu', calls, held.promise);
      const gpu = listening('gpu', calls);
      const engine = new ExecutionEngine({ executors: { cpu_bound: cpu, memory_bound: cpu, gpu, network_bound: listening('network', calls) } });
      const graph = graphOf(
        new Task(() => undefined, { id: 'a', resource: 'cpu_bound' }),
        new Task(() => undefined, { id: 'b', resource: 'memory_bound' }),
        new Task(() => undefined, { id: 'c', executor: 'gpu' }),
        new Task(() => undefined, { id: 'main' }),
      );
      const run = engine.start(graph);
      let settled = false;
      void run.result.then(() => (settled = true));
      await new Promise<void>((resolve) => run.events$.subscribe({ complete: resolve }));
      await Promise.resolve();
      expect(calls.sort()).toEqual([`cpu ${run.runId} ${run.runId} succeeded 4/4`, `gpu ${run.runId} ${run.runId} succeeded 4/4`]);
      expect(settled).toBe(false); // cpu's runEnded has not settled yet
      held.resolve();
      expect((await run.result).status).toBe('succeeded');
      expect(calls).toHaveLength(2);
      await engine.close();
    });

    it('gives a resumed run the first run of its chain as rootRunId, and is called for failed and cancelled runs too', async () => {
      const calls: string[] = [];
      const store = new MemoryCheckpointStore();
      const engine = new ExecutionEngine({ executors: { cpu_bound: listening('cpu', calls) } });
      let fail = true;
      const graphOf2 = () =>
        graphOf(
          new Task(() => undefined, { id: 'ok', resource: 'cpu_bound' }),
          new Task(() => {
            if (fail) throw new Error('boom');
          }, { id: 'flaky', resource: 'cpu_bound' }),
        );
      const first = await engine.run(graphOf2(), { store });
      fail = false;
      const second = await engine.run(graphOf2(), { store, resume: first.runId });
      const cancelled = engine.start(graphOf2(), { signal: AbortSignal.abort('stop') });
      await cancelled.result;
      expect(calls).toEqual([
        expect.stringMatching(new RegExp(`^cpu ${first.runId} ${first.runId} failed [01]/2`)),
        `cpu ${second.runId} ${first.runId} succeeded 2/2`,
        `cpu ${cancelled.runId} ${cancelled.runId} cancelled 0/2 stop`,
      ]);
      await engine.close();
    });

    it('logs a failure to clean up and keeps the result; close() waits for a pending call', async () => {
      const entries: LogEntry[] = [];
      const held = deferred<void>();
      const ended: string[] = [];
      const executor: OperationExecutor = {
        execute: () => undefined,
        async runEnded(runId) {
          await held.promise;
          ended.push(runId);
          throw new Error('Redis went away');
        },
      };
      const engine = new ExecutionEngine({ logger: createLogger((e) => entries.push(e)), executors: { cpu_bound: executor } });
      const run = engine.start(graphOf(new Task(() => undefined, { id: 'a', resource: 'cpu_bound' })));
      let closed = false;
      const closing = engine.close().then(() => (closed = true)); // cancels the run: it ends, then its executor cleans up
      await new Promise<void>((resolve) => run.events$.subscribe({ complete: resolve }));
      await Promise.resolve();
      expect(closed).toBe(false);
      held.resolve();
      await closing;
      expect(ended).toEqual([run.runId]);
      expect((await run.result).status).toBe('cancelled');
      expect(entries.filter((e) => e.level === 'error').map((e) => e.message)).toEqual([`Run '${run.runId}': an executor failed to clean up after the run (Error: Redis went away)`]);
    });
  });
});
