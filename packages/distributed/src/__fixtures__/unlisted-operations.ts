/** An operation in a module the test workers are not told to load (`--require` lists another module). */
import { Operation, OperationOptions, Output, type OutputPort, type Outputs } from '@portflow/core';
import { WorkerOperation } from '@portflow/workers';

/** Returns 1; no worker of the tests may load it. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class Unlisted extends Operation {
  @Output(Number) one!: OutputPort<number>;
  execute(): Outputs<Unlisted> {
    return { one: 1 };
  }
}
