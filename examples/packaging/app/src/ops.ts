// Operations of the packaging test's app: a decorated class, a worker
// operation in a module of its own, and a workflow component with injection.
import { Input, Operation, OperationOptions, Output, defineOperation, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { WorkerOperation } from '@portflow/workers';
import { Component, StepInit } from '@portflow/workflow';
import { IsInt } from 'class-validator';
import { isMainThread } from 'node:worker_threads';

export class Add extends Operation {
  @Input(Number) a!: InputPort<number>;
  @Input(Number) b!: InputPort<number>;
  @Output(Number) sum!: OutputPort<number>;
  execute({ a, b }: Inputs<Add>): Outputs<Add> {
    return { sum: a + b };
  }
}

export const Square = defineOperation('square', { inputs: { n: Number }, outputs: { squared: Number } }, ({ n }) => ({ squared: n * n }));

@WorkerOperation(MODULE_LOCATION)
@OperationOptions({ resource: 'cpu_bound' })
export class Triple extends Operation<{ factor: number }> {
  @Input(Number) n!: InputPort<number>;
  @Output(Number) tripled!: OutputPort<number>;
  @Output(Boolean) onWorker!: OutputPort<boolean>;
  execute({ n }: Inputs<Triple>): Outputs<Triple> {
    return { tripled: n * this.params.factor, onWorker: !isMainThread };
  }
}

export class TimesParams {
  @IsInt() times!: number;
}

@Component('times', { params: TimesParams })
export class Times extends Operation {
  @Input(Number) n!: InputPort<number>;
  @Output(Number) out!: OutputPort<number>;
  constructor(
    private readonly options: TimesParams,
    init: StepInit,
  ) {
    super(init);
  }
  execute({ n }: Inputs<Times>): Outputs<Times> {
    return { out: n * this.options.times };
  }
}
