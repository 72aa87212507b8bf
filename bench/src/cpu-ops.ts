/**
 * Worker-capable operations for the CPU-pool benchmarks. A worker thread
 * loads this compiled module, so it must stay free of anything but the
 * operations and what they need. @portflow/workers is loaded at run time,
 * so that the bench package builds without it.
 */
import { Operation, Output, type OperationInit, type OutputPort, type Outputs } from '@portflow/core';
import { spin } from './spin';

/** Burns `params.iterations` rounds of CPU work (params: a worker constructs it from its ref). */
export class Burn extends Operation<{ iterations: number }> {
  @Output() out!: OutputPort<number>;
  constructor(init: OperationInit<{ iterations: number }>) {
    super({ resource: 'cpu_bound', ...init });
  }
  execute(): Outputs<Burn> {
    return { out: spin(this.params.iterations) };
  }
}

/** Does nothing: measures what one trip to a worker costs. */
export class Nop extends Operation {
  @Output() out!: OutputPort<number>;
  constructor(init?: OperationInit) {
    super({ resource: 'cpu_bound', ...init });
  }
  execute(): Outputs<Nop> {
    return { out: 0 };
  }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const workers = require('@portflow/workers') as { WorkerOperation(location: string): (ctor: abstract new (...args: never[]) => unknown) => void };
workers.WorkerOperation(__filename)(Burn);
workers.WorkerOperation(__filename)(Nop);
