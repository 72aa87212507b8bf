import { ExecutionEngine, GraphDefinition, Operation, type OperationInit } from '..';
import { LAUNCHES_PER_TURN } from './slot-pool';

const N = 100_000;

// Building and validating 100,000 operations takes a moment under jest's transpiled code.
jest.setTimeout(30_000);

/** Counts how many instances of its class ran. */
class Counted extends Operation {
  static calls = 0;
  execute(): void {
    Counted.calls++;
  }
}

class AsyncCounted extends Operation {
  static calls = 0;
  async execute(): Promise<void> {
    AsyncCounted.calls++;
  }
}

function chain(n: number, make: (init: OperationInit) => Operation): GraphDefinition {
  const graph = new GraphDefinition({ name: 'chain' });
  let previous: Operation | undefined;
  for (let k = 0; k < n; k++) {
    const op = make({ id: `op${k}` });
    graph.add(op);
    if (previous !== undefined) graph.dependsOn(op, previous);
    previous = op;
  }
  return graph;
}

function wide(n: number, make: (init: OperationInit) => Operation): GraphDefinition {
  const graph = new GraphDefinition({ name: 'wide' });
  for (let k = 0; k < n; k++) graph.add(make({ id: `op${k}` }));
  return graph;
}

beforeEach(() => {
  Counted.calls = 0;
  AsyncCounted.calls = 0;
});

describe('100,000-operation graphs', () => {
  it.each([
    ['a chain of synchronous no-ops', () => chain(N, (init) => new Counted(init)), () => Counted.calls],
    ['a wide graph of synchronous no-ops', () => wide(N, (init) => new Counted(init)), () => Counted.calls],
    ['a chain of async no-ops', () => chain(N, (init) => new AsyncCounted(init)), () => AsyncCounted.calls],
    ['a wide graph of async no-ops', () => wide(N, (init) => new AsyncCounted(init)), () => AsyncCounted.calls],
  ])('run %s to completion without overflowing the stack', async (_name, build, calls) => {
    const result = await new ExecutionEngine().run(build());
    expect(result.status).toBe('succeeded');
    expect(result.counts.succeeded).toBe(N);
    expect(calls()).toBe(N);
    expect(result.operations).toHaveLength(N);
  });

  it('run with every event observed', async () => {
    const run = new ExecutionEngine({ maxParallel: 64 }).start(wide(N, (init) => new AsyncCounted(init)));
    let events = 0;
    let lastDone = 0;
    run.events$.subscribe(() => events++);
    run.progress$.subscribe((p) => (lastDone = p.done));
    await run.result;
    expect(events).toBe(2 + 2 * N);
    expect(lastDone).toBe(N);
  });
});

describe('yielding to the event loop', () => {
  it.each([
    ['a wide graph of synchronous operations', () => wide(3 * LAUNCHES_PER_TURN + 10, (init) => new Counted(init)), () => Counted.calls],
    ['a chain of synchronous operations', () => chain(3 * LAUNCHES_PER_TURN + 10, (init) => new Counted(init)), () => Counted.calls],
    ['a chain of async operations (one microtask each)', () => chain(3 * LAUNCHES_PER_TURN + 10, (init) => new AsyncCounted(init)), () => AsyncCounted.calls],
  ])(`lets timers and I/O in every ${LAUNCHES_PER_TURN} launches, in %s`, async (_name, build, calls) => {
    expect(LAUNCHES_PER_TURN).toBe(2048);
    const graph = build();
    const run = new ExecutionEngine().start(graph);
    const seen: number[] = [];
    const watch = (): void => {
      seen.push(calls());
      if (calls() < 3 * LAUNCHES_PER_TURN) setImmediate(watch);
    };
    setImmediate(watch);
    await run.result;
    expect(seen.slice(0, 3)).toEqual([LAUNCHES_PER_TURN, 2 * LAUNCHES_PER_TURN, 3 * LAUNCHES_PER_TURN]);
  });

  it('lets a cancellation in during a long chain of quick operations', async () => {
    const run = new ExecutionEngine().start(chain(N, (init) => new AsyncCounted(init)));
    setImmediate(() => run.cancel('stop'));
    const result = await run.result;
    expect(result.status).toBe('cancelled');
    expect(AsyncCounted.calls).toBe(LAUNCHES_PER_TURN);
    expect(result.counts).toMatchObject({ succeeded: LAUNCHES_PER_TURN, cancelled: N - LAUNCHES_PER_TURN });
  });
});
