// #region readme
import { ExecutionEngine, GraphDefinition, Input, Operation, Output } from '@portflow/core';
import type { InputPort, Inputs, OutputPort, Outputs } from '@portflow/core';

class Constant extends Operation {
  @Output(Number) value!: OutputPort<number>;
  constructor(private readonly n: number) { super(); }
  execute(): Outputs<Constant> { return { value: this.n }; }
}

class Add extends Operation {
  @Input(Number) a!: InputPort<number>;
  @Input(Number) b!: InputPort<number>;
  @Output(Number) sum!: OutputPort<number>;
  execute({ a, b }: Inputs<Add>): Outputs<Add> { return { sum: a + b }; }
}

export async function main(): Promise<number | undefined> {
  const graph = new GraphDefinition();
  const add = new Add({ id: 'add' });
  graph.connect(new Constant(2), 'value', add, 'a'); // connecting to a port that is not a number input would not compile
  graph.connect(new Constant(3), 'value', add, 'b');
  const result = await new ExecutionEngine().run(graph);
  console.log(result.status, result.getOutput(add, 'sum')); // succeeded 5
  return result.getOutput(add, 'sum');
}
// #endregion readme
