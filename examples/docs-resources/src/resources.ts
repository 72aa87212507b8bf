/**
 * The code samples of docs/resources.md. Worker threads load JavaScript, so
 * the test runs these from the build (dist/resources.js).
 */
import { createHash } from 'node:crypto';
import {
  ExecutionEngine,
  GraphDefinition,
  Input,
  Operation,
  OperationOptions,
  Output,
  type ExecutionContext,
  type ExecutionResult,
  type InputPort,
  type Inputs,
  type OperationInit,
  type OutputPort,
  type Outputs,
} from '@portflow/core';
import { createWorkerEngine, createWorkerExecutor, MainThread, validateForWorkers, WorkerOperation } from '@portflow/workers';

// #region hints
/** Waits on the network: the default, `io_bound`, runs it on the main thread. */
export class FetchRows extends Operation {
  @Output(Array) rows!: OutputPort<number[]>;
  async execute(): Promise<Outputs<FetchRows>> {
    await new Promise((resolve) => setTimeout(resolve, 10)); // stands in for a request
    return { rows: Array.from({ length: 1000 }, (_, i) => i) };
  }
}

/** Burns CPU: `cpu_bound`, and declared so that it runs on a worker thread. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class SumOfSquares extends Operation {
  @Input(Array) rows!: InputPort<number[]>;
  @Output(Number) total!: OutputPort<number>;
  execute({ rows }: Inputs<SumOfSquares>): Outputs<SumOfSquares> {
    return { total: rows.reduce((sum, x) => sum + x * x, 0) };
  }
}
// #endregion hints

// #region run
export async function sumOfSquares(): Promise<number> {
  await using engine = createWorkerEngine({ cpuThreads: 2, ioConcurrency: 16 });
  const graph = new GraphDefinition();
  const fetch = new FetchRows({ id: 'fetch' });
  const sum = new SumOfSquares({ id: 'sum' });
  graph.connect(fetch, 'rows', sum, 'rows');
  const result = await engine.run(graph);
  return result.getOutput(sum, 'total') as number;
}
// #endregion run

// #region context
/** Digests data in slices; yields between slices so it can see its signal. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound', timeoutMs: 60_000 })
export class SlicedDigest extends Operation<{ slices: number }> {
  @Input(Uint8Array) data!: InputPort<Uint8Array<ArrayBuffer>>;
  @Output(String) digest!: OutputPort<string>;

  async execute({ data }: Inputs<SlicedDigest>, context: ExecutionContext): Promise<Outputs<SlicedDigest>> {
    context.logger.info('digesting', { bytes: data.byteLength, attempt: context.attempt });
    const { slices } = this.params;
    const hash = createHash('sha256');
    const size = Math.ceil(data.byteLength / slices);
    for (let i = 0; i < slices; i++) {
      context.signal.throwIfAborted(); // cancellation and timeouts arrive here...
      hash.update(data.subarray(i * size, (i + 1) * size));
      context.reportProgress((i + 1) / slices); // ...and progress goes back to the main thread
      await new Promise(setImmediate); // let the abort message in
    }
    return { digest: hash.digest('hex') };
  }
}
// #endregion context

// #region transfer
/** Moves its input buffer to the worker instead of copying it: it must be the buffer's only consumer. */
@WorkerOperation(__filename, { transfer: 'inputs' })
@OperationOptions({ resource: 'cpu_bound' })
export class CountZeros extends Operation {
  @Input(ArrayBuffer) data!: InputPort<ArrayBuffer>;
  @Output(Number) zeros!: OutputPort<number>;
  execute({ data }: Inputs<CountZeros>): Outputs<CountZeros> {
    return { zeros: new Uint8Array(data).filter((b) => b === 0).length };
  }
}
// #endregion transfer

// #region memory
/** Builds a large lookup table: `memory_bound` runs it on a thread with a capped heap. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'memory_bound', retry: { maxAttempts: 2, delaysMs: [100] } })
export class BuildIndex extends Operation {
  @Input(Array) keys!: InputPort<string[]>;
  @Output(Map) index!: OutputPort<Map<string, number>>;
  execute({ keys }: Inputs<BuildIndex>): Outputs<BuildIndex> {
    return { index: new Map(keys.map((k, i) => [k, i])) };
  }
}

export function memoryCappedEngine(): ExecutionEngine {
  // Each memory_bound thread may use 256 MiB of heap; past that only the
  // operation fails (WorkerCrashError, kind 'out_of_memory'), and is retried.
  return createWorkerEngine({ cpuThreads: 2, workers: { memoryLimitMb: 256 } });
}
// #endregion memory

// #region opt-out
/** CPU-bound, but it holds a callback, so it cannot go to a worker: run it on the main thread. */
@MainThread()
@OperationOptions({ resource: 'cpu_bound' })
export class ApplyCallback extends Operation {
  @Input(Number) value!: InputPort<number>;
  @Output(Number) result!: OutputPort<number>;
  constructor(
    private readonly callback: (x: number) => number,
    init?: OperationInit,
  ) {
    super(init);
  }
  execute({ value }: Inputs<ApplyCallback>): Outputs<ApplyCallback> {
    return { result: this.callback(value) };
  }
}
// #endregion opt-out

// #region by-hand
export async function runWithExecutorByHand(graph: GraphDefinition): Promise<ExecutionResult> {
  const workers = createWorkerExecutor({ threads: 4, memoryLimitMb: 512 });
  const engine = new ExecutionEngine({ cpuThreads: 4, executors: { cpu_bound: workers, memory_bound: workers } });
  try {
    validateForWorkers(graph); // what a WorkerEngine does before every run
    return await engine.run(graph);
  } finally {
    await engine.close(); // closes the executor: no thread is left
  }
}
// #endregion by-hand
