import { join, relative, sep } from 'node:path';
import { Piscina } from 'piscina';
import { ExecutionEngine, GraphDefinition, GraphValidationError, jsonProblem, Operation, Output, type EngineEvent, type OutputPort, type Outputs } from '@portflow/core';
import { createWorkerEngine, createWorkerExecutor, WorkerCapabilityError } from './index';
import type { WorkerTask } from './protocol';
import { FIXTURE_MODULE, loadFixtures } from './testing/fixtures';

jest.setTimeout(30_000);

const ops = loadFixtures();

/** This package's directory: the fixtures' build is ./dist/__fixtures__/operations.js under it. */
const PACKAGE_ROOT = join(__dirname, '..');

/** A main-thread source of a name. */
class Name extends Operation<{ name: string }> {
  @Output(String) name!: OutputPort<string>;
  execute(): Outputs<Name> {
    return { name: this.params.name };
  }
}

/** A main-thread source of a number. */
class Seven extends Operation {
  @Output(Number) n!: OutputPort<number>;
  execute(): Outputs<Seven> {
    return { n: 7 };
  }
}

/** Records the tasks the executor hands to piscina (calling through), to look at what crosses to the worker. */
function recordTasks(): { tasks: WorkerTask[]; restore(): void } {
  const tasks: WorkerTask[] = [];
  const original = Piscina.prototype.run;
  const spy = jest.spyOn(Piscina.prototype, 'run').mockImplementation(function (this: Piscina, task: unknown, options?: object) {
    tasks.push(task as WorkerTask);
    return original.call(this, task, options);
  });
  return { tasks, restore: () => spy.mockRestore() };
}

/** Every string in a JSON value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(strings);
}

describe('what crosses to a worker: the operation as a ref', () => {
  it('is plain JSON whose module is a path relative to the root, and the worker runs the constructor', async () => {
    const recorder = recordTasks();
    const engine = createWorkerEngine({ cpuThreads: 1, workers: { threads: 1 } });
    try {
      expect(engine.workers.root).toBe(process.cwd()); // the default root
      const g = new GraphDefinition();
      const greet = new ops.Greet({ id: 'greet', params: { greeting: 'Hello' }, timeoutMs: 5_000, retry: { maxAttempts: 2, retryOn: () => true } });
      g.connect(new Name({ id: 'name', params: { name: 'Ada' } }), 'name', greet, 'name');
      const result = await engine.run(g);
      expect(result.errors).toEqual([]);

      // The operation reached the worker as its ref: JSON, no instance state, no absolute path.
      expect(recorder.tasks).toHaveLength(1);
      const task = recorder.tasks[0]!;
      // One attempt is one piscina task: the ref, the attempt's identity and its inputs (no port: see ThreadLink).
      // (Fields with nothing to carry, such as variables in a run without any, are left out.)
      expect(Object.keys(task).sort()).toEqual(['attempt', 'id', 'inputs', 'operationId', 'ref', 'root', 'runId']);
      expect(task.inputs).toEqual({ name: 'Ada' });
      const specifier = `./${relative(process.cwd(), FIXTURE_MODULE).split(sep).join('/')}`;
      expect(specifier).toMatch(/^\.\/(?!\.\.)/);
      expect(task.ref).toEqual({
        type: 'fixtures.greet',
        version: 2,
        id: 'greet',
        params: { greeting: 'Hello' },
        settings: { resource: 'cpu_bound', timeoutMs: 5_000, retry: { maxAttempts: 2 } }, // retryOn stays with the engine
        module: { specifier, export: 'Greet' },
      });
      expect(jsonProblem(task.ref, 'ref')).toBeUndefined();
      expect(JSON.parse(JSON.stringify(task.ref))).toEqual(task.ref);
      expect(strings(task.ref).filter((s) => s.startsWith('/') || s.includes(PACKAGE_ROOT) || /^[A-Za-z]:[\\/]/.test(s))).toEqual([]);
      expect(task.root).toBe(process.cwd()); // the root travels beside the ref, for the worker's resolver

      // The constructor ran on the worker thread: it built the Phrase helper (a class
      // instance no structured clone would keep) and noted the thread it ran on.
      expect(result.getOutput(greet, 'text')).toBe('Hello, Ada!');
      const thread = result.getOutput(greet, 'executedOn') as number;
      expect(thread).toBeGreaterThan(0);
      expect(result.getOutput(greet, 'constructed')).toEqual({ threadId: thread, isMainThread: false, constructionsInThread: 1 });

      // Each attempt constructs its operation afresh from the ref, on the same thread here.
      const again = await engine.run(g);
      expect(again.getOutput(greet, 'constructed')).toEqual({ threadId: thread, isMainThread: false, constructionsInThread: 2 });
    } finally {
      recorder.restore();
      await engine.close();
    }
  });

  it('resolves a class declared only with @OperationOptions({ module }) from the executor root', async () => {
    const recorder = recordTasks();
    const engine = createWorkerEngine({ cpuThreads: 1, workers: { root: PACKAGE_ROOT } });
    try {
      const g = new GraphDefinition();
      const scale = new ops.ScaleByModule({ id: 'scale', params: { factor: 3 } });
      g.connect(new Seven({ id: 'seven' }), 'n', scale, 'value');
      const result = await engine.run(g);
      expect(result.errors).toEqual([]);
      expect(result.getOutput(scale, 'scaled')).toBe(21);
      expect(result.getOutput(scale, 'thread')).toBeGreaterThan(0);
      expect(recorder.tasks[0]!.ref.module).toEqual({ specifier: './dist/__fixtures__/operations.js', export: 'ScaleByModule' });
      expect(recorder.tasks[0]!.root).toBe(PACKAGE_ROOT);
    } finally {
      recorder.restore();
      await engine.close();
    }
  });

  it('derives a @WorkerOperation module relative to the root it is given', async () => {
    const recorder = recordTasks();
    const engine = createWorkerEngine({ cpuThreads: 1, workers: { root: PACKAGE_ROOT } });
    try {
      const g = new GraphDefinition();
      const busy = new ops.Busy({ id: 'busy', params: { ms: 1 } });
      g.add(busy);
      const result = await engine.run(g);
      expect(result.getOutput(busy, 'thread')).toBeGreaterThan(0);
      expect(recorder.tasks[0]!.ref).toEqual({
        type: 'Busy',
        version: 1,
        id: 'busy',
        params: { ms: 1 },
        settings: { resource: 'cpu_bound' },
        module: { specifier: './dist/__fixtures__/operations.js', export: 'Busy' },
      });
    } finally {
      recorder.restore();
      await engine.close();
    }
  });
});

describe('operations a worker could not load or rebuild are refused before the run', () => {
  it('refuses a class whose constructor takes configuration besides its init, saying to use params', async () => {
    const engine = createWorkerEngine({ cpuThreads: 1 });
    const seen: EngineEvent[] = [];
    engine.events$.subscribe((e) => seen.push(e));
    try {
      const g = new GraphDefinition({ name: 'legacy' }).add(new ops.PositionalBusy(5, { id: 'positional' }));
      const error = await engine.run(g).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorkerCapabilityError);
      expect((error as Error).message).toBe(
        "Graph 'legacy' has 1 problem:\n" +
          "  - Operation 'positional' (class PositionalBusy) is cpu_bound, so it runs on a worker thread, but it cannot: " +
          'it cannot be rebuilt from its ref: new PositionalBusy({ id, params, ...settings }), which a worker runs, gives an operation with ' +
          'id undefined instead of "positional" and this.ms = {"id":"positional","params":{},"resource":"cpu_bound"} instead of 5, ' +
          'so its configuration does not all come from its params. ' +
          'Keep its configuration in params: declare class PositionalBusy extends Operation<{ ... }>, construct it with new PositionalBusy({ id, params: { ... } }) ' +
          'and read this.params; its constructor must take only that init object, because it is all a worker passes. ' +
          '(Functions, class instances and handles cannot be params: opt out with @MainThread() for those.)',
      );
      expect(seen).toEqual([]); // no run started
      expect(engine.workers.threadCount).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it('an executor wired by hand refuses it too, through OperationExecutor.validate', async () => {
    const workers = createWorkerExecutor({ threads: 1 });
    const engine = new ExecutionEngine({ cpuThreads: 1, executors: { cpu_bound: workers } });
    try {
      const g = new GraphDefinition().add(new ops.PositionalBusy(5, { id: 'positional' }));
      const error = await engine.run(g).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GraphValidationError);
      expect((error as GraphValidationError).problems).toEqual([
        expect.objectContaining({ kind: 'executor', operationId: 'positional', message: expect.stringContaining('it cannot be rebuilt from its ref: new PositionalBusy(') }),
      ]);
      expect(workers.threadCount).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it('refuses a module outside the executor root, naming both fixes', async () => {
    const outsideRoot = join(PACKAGE_ROOT, 'src'); // the build is in ../dist, outside it
    const workers = createWorkerExecutor({ threads: 1, root: outsideRoot });
    try {
      const reasons = workers.validate(new ops.Busy({ id: 'busy', params: { ms: 1 } }));
      expect(reasons).toEqual([
        `its module ${FIXTURE_MODULE} is outside the worker executor's root (${outsideRoot}); workers load operation modules by a path relative to that root, or by package name. ` +
          `Set the root to a directory that contains the module (createWorkerEngine({ workers: { root } }), or createWorkerExecutor({ root }) and validateForWorkers(graph, { root })), ` +
          `or declare the package that exports the class with @OperationOptions({ module: '<package>' }).`,
      ]);
      // A declared module that does not resolve from the root is refused too.
      expect(workers.validate(new ops.ScaleByModule({ id: 'scale', params: { factor: 2 } }))).toEqual([
        expect.stringMatching(/^@OperationOptions\(\{ module: '\.\/dist\/__fixtures__\/operations\.js' \}\) cannot be found from the worker executor's root/),
      ]);
    } finally {
      await workers.close();
    }
    const engine = createWorkerEngine({ cpuThreads: 1, workers: { root: outsideRoot } });
    try {
      const g = new GraphDefinition().add(new ops.Busy({ id: 'busy', params: { ms: 1 } }));
      await expect(engine.run(g)).rejects.toThrow(/Operation 'busy' \(class Busy\) is cpu_bound, so it runs on a worker thread, but it cannot: its module .* is outside the worker executor's root/);
      expect(engine.workers.threadCount).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it('validates the root option', () => {
    expect(() => createWorkerExecutor({ root: '' })).toThrow(/root must be a directory path/);
  });
});
