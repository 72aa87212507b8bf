import { DynamicOperation, ExecutionEngine, GraphDefinition, GraphValidationError, Operation, OperationOptions, Output, type OperationInit, type OutputPort, type Outputs } from '@portflow/core';
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
    const g = graphOf(new ops.Busy({ params: { ms: 1 } }), new ops.Greet({ params: { greeting: 'hi' } }), new ops.OnMain(), runOnMainThread(new ops.Undeclared()), new Io(), new ops.Undeclared({ resource: 'io_bound' }));
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
        "or name the package that exports it with @OperationOptions({ module: '<package>' }); " +
        'or opt out with @MainThread() on the class or runOnMainThread(op) to run it on the main thread.',
    );
  });

  it('finds every kind of problem, each with its reason', () => {
    const g = graphOf(
      new ops.HoldsClosure((x) => x * 2, { id: 'closure' }),
      new ops.PositionalBusy(5, { id: 'positional' }),
      new ops.BusySubclass({ id: 'subclass', params: { ms: 1 } }),
      new FromTypeScript({ id: 'ts' }),
      new NotExported({ id: 'hidden' }),
      new ops.MeasurePoint({ id: 'point' }),
      new ops.Undeclared({ id: 'memory', resource: 'memory_bound' }),
    );
    const reasons = Object.fromEntries(findWorkerProblems(g).map((p) => [p.operationId, p.reasons.join(' ')]));
    expect(reasons).toEqual({
      closure: expect.stringMatching(/^this\.transform holds a function, which its ref cannot carry \(params are JSON\).*choose the behaviour with a param .*or opt out with @MainThread\(\)/),
      positional: expect.stringMatching(
        /^it cannot be rebuilt from its ref: new PositionalBusy\(\{ id, params, \.\.\.settings \}\), which a worker runs, gives an operation with id undefined instead of "positional" and this\.ms = .* instead of 5.*Keep its configuration in params: declare class PositionalBusy extends Operation<\{ \.\.\. \}>/,
      ),
      subclass: expect.stringContaining('its class extends Busy, which is declared with @WorkerOperation, but BusySubclass itself is not'),
      ts: expect.stringMatching(/@WorkerOperation points at TypeScript source \(.*validation\.test\.ts\); worker threads load compiled JavaScript/),
      hidden: expect.stringContaining("does not export the class as 'NotExported'"),
      point: expect.stringContaining("input port 'point' carries Point instances; structured clone keeps their data but not their class"),
      memory: expect.stringContaining('its class is not declared for worker threads'),
    });
  });

  describe('rebuilding from the ref, as a worker does', () => {
    /** The reasons about rebuilding `op` (its module is borrowed, so the module check is not what these tests are about). */
    const rebuildReasons = (op: Operation): string => findWorkerProblems(graphOf(op)).flatMap((p) => p.reasons).filter((r) => !/its module/.test(r)).join(' ');

    class Helper {
      constructor(readonly scale: number) {}
      apply(x: number): number {
        return x * this.scale;
      }
    }

    it('accepts fields the constructor derives from params: tables, dates, bytes, closures and class instances', () => {
      @WorkerOperation(FIXTURE_MODULE, { exportName: 'Busy' })
      @OperationOptions({ resource: 'cpu_bound' })
      class Derived extends Operation<{ keys: string[]; scale: number }> {
        readonly table: Map<string, { index: number }>;
        readonly when = new Date(0);
        readonly bytes: Uint8Array;
        readonly helper: Helper;
        readonly scaleBy: (x: number) => number;
        constructor(init: OperationInit<{ keys: string[]; scale: number }>) {
          super(init);
          this.table = new Map(this.params.keys.map((k, index) => [k, { index }]));
          this.bytes = new Uint8Array(this.params.keys.length).fill(this.params.scale);
          this.helper = new Helper(this.params.scale);
          const scale = this.params.scale;
          this.scaleBy = (x) => x * scale;
        }
        execute(): void {}
      }
      const op = new Derived({ id: 'derived', params: { keys: ['a', 'b'], scale: 3 }, timeoutMs: 50, retry: { maxAttempts: 2, retryOn: () => true } });
      expect(rebuildReasons(op)).toBe('');
    });

    it('refuses configuration given to the constructor besides its init, naming the field', () => {
      @WorkerOperation(FIXTURE_MODULE, { exportName: 'Busy' })
      @OperationOptions({ resource: 'cpu_bound' })
      class Configured extends Operation {
        constructor(readonly config: Record<string, unknown>) {
          super();
        }
        execute(): void {}
      }
      expect(rebuildReasons(new Configured({ table: [1, 2, 3] }))).toMatch(
        /it cannot be rebuilt from its ref: new Configured\(\{ id, params, \.\.\.settings \}\), which a worker runs, gives an operation with id undefined instead of "Configured_1" and this\.config\.table = undefined instead of an array of 3, so its configuration does not all come from its params\. Keep its configuration in params/,
      );
      expect(rebuildReasons(new Configured({ fn: () => 2 }))).toMatch(/this\.config\.fn holds a function, which its ref cannot carry/);
    });

    it('refuses fields set after construction', () => {
      @WorkerOperation(FIXTURE_MODULE, { exportName: 'Busy' })
      @OperationOptions({ resource: 'cpu_bound' })
      class Patched extends Operation<{ n: number }> {
        limit = 10;
        execute(): void {}
      }
      const op = new Patched({ params: { n: 1 } });
      expect(rebuildReasons(op)).toBe('');
      op.limit = 20;
      expect(rebuildReasons(op)).toMatch(/gives an operation with this\.limit = 10 instead of 20/);
    });

    it('reports a constructor that throws when given only its init', () => {
      @WorkerOperation(FIXTURE_MODULE, { exportName: 'Busy' })
      @OperationOptions({ resource: 'cpu_bound' })
      class Strict extends Operation {
        constructor(
          readonly rows: number[],
          init?: OperationInit,
        ) {
          super(init);
          if (!Array.isArray(rows)) throw new TypeError('rows must be an array');
        }
        execute(): void {}
      }
      expect(rebuildReasons(new Strict([1]))).toMatch(/new Strict\(\{ id, params, \.\.\.settings \}\), which a worker runs, throws \(TypeError: rows must be an array\)\. Keep its configuration in params/);
    });

    it('refuses ports added from constructor arguments', () => {
      @WorkerOperation(FIXTURE_MODULE, { exportName: 'Busy' })
      @OperationOptions({ resource: 'cpu_bound' })
      class Fan extends DynamicOperation {
        constructor(count: number) {
          super();
          for (let i = 0; i < count; i++) this.addOutputPort(`out${i}`);
        }
        execute(): void {}
      }
      expect(rebuildReasons(new Fan(2))).toMatch(/gives an operation with id undefined instead of "Fan_1" and the ports \(none\) instead of \(output 'out0', output 'out1'\), so its configuration/);
    });
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
      const g = graphOf(new ops.Busy({ id: 'fine', params: { ms: 1 } }), new ops.HoldsClosure((x) => x, { id: 'closure' }));
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
