// #region readme
import { defineOperation, ExecutionEngine, Flow, GraphDefinition, Input, Operation, Output } from '@portflow/core';
import type { InputPort, Inputs, OutputPort, Outputs } from '@portflow/core';

// An operation as a class: typed ports, checked by the compiler.
class Add extends Operation {
  @Input(Number) a!: InputPort<number>;
  @Input(Number) b!: InputPort<number>;
  @Output(Number) sum!: OutputPort<number>;
  execute({ a, b }: Inputs<Add>): Outputs<Add> { return { sum: a + b }; }
}

// ... or as a function with a port spec.
const Square = defineOperation('square', { inputs: { n: Number }, outputs: { squared: Number } }, ({ n }) => ({ squared: n * n }));

export async function main(): Promise<number> {
  // A graph with typed inputs and outputs: run() and result.outputs are checked.
  const graph = new GraphDefinition<{ a: number; b: number }, { result: number }>();
  const add = new Add({ id: 'add' });
  const square = new Square({ id: 'square' });
  graph.connect(graph.input('a', Number), 'value', add, 'a');
  graph.connect(graph.input('b', Number), 'value', add, 'b');
  graph.connect(add, 'sum', square, 'n'); // connecting to a port that is not a number input would not compile
  graph.output('result', square, 'squared');
  const result = await new ExecutionEngine().run(graph, { inputs: { a: 2, b: 3 } });
  if (!result.isSuccessful()) throw new Error(result.getErrorMessage());
  console.log(result.status, result.outputs.result); // succeeded 25

  // Or as a script: calls return futures, and awaiting one runs the graph.
  const flow = new Flow();
  const { squared } = flow.call(Square, { n: 5 });
  return squared;
}
// #endregion readme
