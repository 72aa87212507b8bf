/**
 * The operations that run on the workers. `portflow worker` loads this
 * compiled module (`--require ./dist/operations.js`, relative to the
 * example's folder), and the coordinator's jobs name it by the same relative
 * path: both sides must see the same build.
 */
import { threadId } from 'node:worker_threads';
import { Operation, OperationOptions, Output, type ExecutionContext, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { WorkerOperation } from '@portflow/workers';

/** Primes in `[from, to)`, by trial division: plain CPU work that never yields. */
export function countPrimes(from: number, to: number): number {
  let count = 0;
  for (let n = Math.max(2, from); n < to; n++) {
    if (n % 2 === 0) {
      if (n === 2) count++;
      continue;
    }
    let prime = true;
    for (let d = 3; d * d <= n; d += 2) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

/**
 * Counts the primes of one range. `cpu_bound`, so a distributed engine sends
 * it to the `cpu` queue, and the worker runs it on one of its threads.
 * `@WorkerOperation(__filename)` says where a worker finds the class; the
 * range is in params, which travel with the job. It reports (as progress
 * and as an output) which worker process ran it.
 */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class CountPrimes extends Operation<{ from: number; to: number }> {
  @Output(Number) count!: OutputPort<number>;
  /** `pid <worker process id>`. */
  @Output(String) worker!: OutputPort<string>;
  execute(_inputs: Inputs<CountPrimes>, context: ExecutionContext): Outputs<CountPrimes> {
    context.reportProgress(0, { message: 'started', data: { pid: process.pid, threadId } });
    context.signal.throwIfAborted();
    return { count: countPrimes(this.params.from, this.params.to), worker: `pid ${process.pid}` };
  }
}
