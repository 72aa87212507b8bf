import { ExecutionEngine, GraphDefinition, GraphValidationError, Operation, OperationOptions, Output, type OutputPort, type Outputs } from '@portflow/core';
import { createWorkerEngine, findWorkerProblems, MainThread, runOnMainThread, validateForWorkers, WorkerCapabilityError, WorkerOperation } from './index';
import { FIXTURE_MODULE, loadFixtures } from './testing/fixtures';

const ops = loadFixtures();

/** Declared from a TypeScript file: workers cannot load it. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
class FromTypeScript extends Operation {
  @Output(Number) one!: OutputPort<number>;
  execute(): Outputs<FromTypeScript> {
    return { one: 1 };
  }
}

/** Declared with a module that does not export it. */
@WorkerOperation(FIXTURE_MODULE)
@OperationOptions({ resource: 'cpu_bound' })
class NotExported extends Operation {
  execute(): void {}
}

function graphOf(...operations: Operation[]): GraphDefinition {
  return new GraphDefinition({ name: 'g' }).add(...operations);
}

describe('validateForWorkers', () => {
  it('accepts declared operations, opted-out ones, and operations that stay on the main thread anyway', () => {
    class Io extends Operation {
      execute(): void {}
    }
    const g = graphOf(new ops.Busy(1), new ops.OnMain(), runOnMainThread(new ops.Undeclared()), new Io(), new ops.Undeclared({ resource: 'io_bound' }));
    expect(findWorkerProblems(g)).toEqual([]);
    expect(() => validateForWorkers(g)).not.toThrow();
  });

  it('rejects an undeclared CPU-bound operation, saying how to fix it', () => {
    const g = graphOf(new ops.Undeclared({ id: 'u' }));
    let error: unknown;
    try {
      validateForWorkers(g);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkerCapabilityError);
    expect(error).toBeInstanceOf(GraphValidationError);
    expect((error as GraphValidationError).problems).toEqual([{ kind: 'invalid-settings', operationId: 'u', message: expect.any(String) }]);
    expect((error as Error).message).toBe(
      "Graph 'g' has 1 problem:\n" +
        "  - Operation 'u' (class Undeclared) is cpu_bound, so it runs on a worker thread, but it cannot: its class is not declared for worker threads. " +
        'Export the class from a module and decorate it with @WorkerOperation(__filename) (or import.meta.url in an ES module), ' +
        'or opt out with @MainThread() on the class or runOnMainThread(op) to run it on the main thread.',
    );
  });

  it('finds every kind of problem, each with its reason', () => {
    const g = graphOf(
      new ops.HoldsClosure((x) => x * 2, { id: 'closure' }),
      new ops.BusySubclass(1, { id: 'subclass' }),
      new FromTypeScript({ id: 'ts' }),
      new NotExported({ id: 'hidden' }),
      new ops.MeasurePoint({ id: 'point' }),
      new ops.Undeclared({ id: 'memory', resource: 'memory_bound' }),
    );
    const reasons = Object.fromEntries(findWorkerProblems(g).map((p) => [p.operationId, p.reasons.join(' ')]));
    expect(reasons).toEqual({
      closure: expect.stringContaining('this.transform holds a function; functions and closures cannot cross to a worker thread'),
      subclass: expect.stringContaining('its class extends Busy, which is declared with @WorkerOperation, but BusySubclass itself is not'),
      ts: expect.stringMatching(/@WorkerOperation points at TypeScript source \(.*validation\.test\.ts\); worker threads load compiled JavaScript/),
      hidden: expect.stringContaining("does not export the class as 'NotExported'"),
      point: expect.stringContaining("input port 'point' carries Point instances; structured clone keeps their data but not their class"),
      memory: expect.stringContaining('its class is not declared for worker threads'),
    });
  });

  it('flags fields holding class instances, Buffers and handles', () => {
    class Helper {
      run(): number {
        return 1;
      }
    }
    @WorkerOperation(FIXTURE_MODULE, { exportName: 'Busy' }) // the module check is not what this test is about
    @OperationOptions({ resource: 'cpu_bound' })
    class Configured extends Operation {
      constructor(readonly config: Record<string, unknown>) {
        super();
      }
      execute(): void {}
    }
    const problems = (config: Record<string, unknown>): string => findWorkerProblems(graphOf(new Configured(config))).flatMap((p) => p.reasons).join(' ');
    expect(problems({ table: [1, 2, 3], when: new Date(0), lookup: new Map([['a', { b: [1] }]]), bytes: new Uint8Array(4) })).not.toMatch(/holds/);
    expect(problems({ nested: { helper: new Helper() } })).toMatch(/this\.config\.nested\.helper holds a Helper instance/);
    expect(problems({ list: [1, () => 2] })).toMatch(/this\.config\.list\[1\] holds a function/);
    expect(problems({ bytes: Buffer.from('x') })).toMatch(/holds a Buffer, which would arrive as a Uint8Array/);
    expect(problems({ weak: new WeakMap() })).toMatch(/holds a WeakMap, which cannot be cloned/);
  });

  it('only checks the resource classes it is told run on workers', () => {
    const g = graphOf(new ops.Undeclared({ id: 'u', resource: 'memory_bound' }));
    expect(findWorkerProblems(g, { resources: ['cpu_bound'] })).toEqual([]);
  });

  it('@MainThread() is inherited by subclasses', () => {
    @OperationOptions({ resource: 'cpu_bound' })
    @MainThread()
    class Base extends Operation {
      execute(): void {}
    }
    class Derived extends Base {}
    expect(findWorkerProblems(graphOf(new Derived()))).toEqual([]);
  });
});

describe('WorkerEngine', () => {
  it('rejects a graph with a non-worker-capable CPU-bound operation before anything runs', async () => {
    const engine = createWorkerEngine({ cpuThreads: 1 });
    const seen: string[] = [];
    engine.events$.subscribe((e) => seen.push(e.type));
    try {
      const g = graphOf(new ops.Busy(1, { id: 'fine' }), new ops.HoldsClosure((x) => x, { id: 'closure' }));
      await expect(engine.run(g)).rejects.toThrow(WorkerCapabilityError);
      expect(() => engine.start(g)).toThrow(/Operation 'closure' \(class HoldsClosure\) is cpu_bound/);
      expect(seen).toEqual([]); // no run started
      expect(engine.workers.threadCount).toBe(0); // no thread either
    } finally {
      await engine.close();
    }
  });

  it('reports ordinary graph problems first, as a plain engine does', async () => {
    const engine = createWorkerEngine({ cpuThreads: 1 });
    try {
      const g = graphOf(new ops.Square({ id: 'square' })); // unconnected input
      await expect(engine.run(g)).rejects.toThrow(/is not connected/);
    } finally {
      await engine.close();
    }
  });

  it('does not check resource classes routed to another executor', async () => {
    const inline = { execute: (op: Operation, inputs: Readonly<Record<string, unknown>>, context: never) => op.execute(inputs, context) };
    const engine = createWorkerEngine({ cpuThreads: 1, executors: { memory_bound: inline } });
    try {
      const g = graphOf(new ops.Undeclared({ id: 'u', resource: 'memory_bound' }));
      const result = await engine.run(g);
      expect(result.getOutput('u', 'mainThread')).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('validates engine and worker options', () => {
    expect(() => createWorkerEngine({ workers: { threads: 0 } })).toThrow(/threads must be a whole number >= 1/);
    expect(() => createWorkerEngine({ workers: { memoryLimitMb: -1 } })).toThrow(/memoryLimitMb must be a number >= 1/);
    expect(() => new ExecutionEngine({ cpuThreads: 0 })).toThrow(/cpuThreads/);
  });
});
