import { Collect, GraphDefinition, Operation, Output, type CollectInputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { CountPrimes } from './operations';

/** The size of the job. */
export interface Workload {
  /** Ranges, one CountPrimes operation each (default 8). */
  readonly chunks: number;
  /** Numbers per range (default 1,000,000): the primes below chunks × chunkSize are counted. */
  readonly chunkSize: number;
}

/**
 * The reduce: adds the counts up. An ordinary operation (no resource hint),
 * so it runs in the coordinator's process, as soon as every range is done.
 */
export class Total extends Operation {
  @Collect(Number) counts!: CollectInputPort<number>;
  @Output(Number) total!: OutputPort<number>;
  execute({ counts }: Inputs<Total>): Outputs<Total> {
    return { total: counts.reduce((a, b) => a + b, 0) };
  }
}

/** range0..rangeN (fan-out, CPU-bound, on the workers) -> total (reduce, here). */
export function buildPrimesGraph({ chunks, chunkSize }: Workload): { graph: GraphDefinition; ranges: CountPrimes[]; total: Total } {
  const graph = new GraphDefinition({ name: 'distributed-primes' });
  const total = new Total({ id: 'total' });
  const ranges: CountPrimes[] = [];
  for (let i = 0; i < chunks; i++) {
    const range = new CountPrimes({ id: `range${i}`, params: { from: i * chunkSize, to: (i + 1) * chunkSize } });
    graph.connect(range, 'count', total, 'counts');
    ranges.push(range);
  }
  return { graph, ranges, total };
}
