import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createLogger, GraphDefinition, Operation, OperationOptions, Output, type EngineEvent, type LogEntry, type OutputPort, type Outputs } from '@portflow/core';
import { createWorkerEngine, WorkerCapabilityError } from '@portflow/workers';
import type * as Samples from './resources';

jest.setTimeout(30_000);

// Worker threads load JavaScript: the samples come from this example's build.
const samples = require(join(__dirname, '..', 'dist', 'resources.js')) as typeof Samples; // eslint-disable-line @typescript-eslint/no-require-imports

/** Main-thread sources of the samples' inputs. */
class Bytes extends Operation {
  @Output(Uint8Array) data!: OutputPort<Uint8Array<ArrayBuffer>>;
  constructor(readonly bytes: Uint8Array<ArrayBuffer>) {
    super({ id: 'bytes' });
  }
  execute(): Outputs<Bytes> {
    return { data: this.bytes.slice() };
  }
}

class Keys extends Operation {
  @Output(Array) keys!: OutputPort<string[]>;
  @Output(ArrayBuffer) data!: OutputPort<ArrayBuffer>;
  execute(): Outputs<Keys> {
    return { keys: ['a', 'b', 'c'], data: new Uint8Array([0, 1, 0, 2, 0]).buffer };
  }
}

class Two extends Operation {
  @Output(Number) n!: OutputPort<number>;
  execute(): Outputs<Two> {
    return { n: 2 };
  }
}

it('hints: fetch on the main thread, sum of squares on a worker', async () => {
  let expected = 0;
  for (let i = 0; i < 1000; i++) expected += i * i;
  expect(await samples.sumOfSquares()).toBe(expected);
});

it('context: logs and progress come back, and the digest is right', async () => {
  const logs: LogEntry[] = [];
  const events: EngineEvent[] = [];
  const engine = createWorkerEngine({ cpuThreads: 1, logger: createLogger((e) => logs.push(e)) });
  try {
    const bytes = new Uint8Array(10_000).map((_, i) => i % 251);
    const graph = new GraphDefinition();
    const digest = new samples.SlicedDigest({ id: 'digest', params: { slices: 4 } });
    graph.connect(new Bytes(bytes), 'data', digest, 'data');
    engine.events$.subscribe((e) => events.push(e));
    const result = await engine.run(graph);
    expect(result.getOutput(digest, 'digest')).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(logs.map((l) => l.message)).toEqual(['digesting']);
    expect(events.flatMap((e) => (e.type === 'OperationProgress' ? [e.fraction] : []))).toEqual([0.25, 0.5, 0.75, 1]);
  } finally {
    await engine.close();
  }
});

it('transfer and memory: a moved input, a capped heap, a Map output', async () => {
  const engine = samples.memoryCappedEngine();
  try {
    const graph = new GraphDefinition();
    const keys = new Keys({ id: 'keys' });
    const index = new samples.BuildIndex({ id: 'index' });
    const zeros = new samples.CountZeros({ id: 'zeros' });
    graph.connect(keys, 'keys', index, 'keys');
    graph.connect(keys, 'data', zeros, 'data');
    const result = await engine.run(graph, { retainOutputs: true }); // keep the moved buffer to inspect it
    expect(result.errors).toEqual([]);
    expect(result.getOutput(index, 'index')).toEqual(new Map([['a', 0], ['b', 1], ['c', 2]]));
    expect(result.getOutput(zeros, 'zeros')).toBe(3);
    expect((result.getOutput(keys, 'data') as ArrayBuffer).byteLength).toBe(0); // moved to the worker
  } finally {
    await engine.close();
  }
});

it('opt-out: an operation holding a callback runs on the main thread', async () => {
  const engine = createWorkerEngine({ cpuThreads: 1 });
  try {
    const graph = new GraphDefinition();
    const apply = new samples.ApplyCallback((x) => x * 21, { id: 'apply' });
    graph.connect(new Two({ id: 'two' }), 'n', apply, 'value');
    const result = await engine.run(graph);
    expect(result.getOutput(apply, 'result')).toBe(42);
    expect(engine.workers.threadCount).toBe(0);
  } finally {
    await engine.close();
  }
});

it('by hand: validateForWorkers rejects an undeclared CPU-bound operation before the run', async () => {
  @OperationOptions({ resource: 'cpu_bound' })
  class Undeclared extends Operation {
    execute(): void {}
  }
  const graph = new GraphDefinition().add(new Undeclared({ id: 'u' }));
  await expect(samples.runWithExecutorByHand(graph)).rejects.toThrow(WorkerCapabilityError);
  const fine = new GraphDefinition();
  fine.connect(new samples.FetchRows({ id: 'fetch' }), 'rows', new samples.SumOfSquares({ id: 'sum' }), 'rows');
  expect((await samples.runWithExecutorByHand(fine)).getOutput('sum', 'total')).toBe(332_833_500);
});
