/**
 * Operations of the distributed benchmark (`distributed.ts`). Worker
 * processes load this compiled module (`--require ./dist/distributed-ops.js`,
 * root: the bench package), so it holds only the operations.
 */
import { Input, Operation, OperationOptions, Output, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { WorkerOperation } from '@portflow/workers';

/**
 * A no-op: passes its input on, plus one. Not CPU-bound, so a worker runs it
 * on its event loop, as a plain BullMQ processor would (no thread hop).
 * A chain of n of them ends with n; each of n unconnected ones gives 1.
 */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'io_bound' })
export class Hop extends Operation {
  @Input(Number, { default: 0 }) in!: InputPort<number>;
  @Output(Number) out!: OutputPort<number>;
  execute({ in: value }: Inputs<Hop>): Outputs<Hop> {
    return { out: value + 1 };
  }
}
