import 'reflect-metadata';
import { ExecutionEngine, GraphDefinition, Value } from '@portflow/core';
import { createWorkerEngine } from '@portflow/workers';
import { builtinRegistry, loadWorkflow } from '@portflow/workflow';
import { Add, Square, Times, Triple } from './ops.js';

async function main(): Promise<void> {
  const graph = new GraphDefinition<{ a: number; b: number }, { result: number }>();
  const add = new Add({ id: 'add' });
  const square = new Square({ id: 'square' });
  graph.connect(graph.input('a', Number), 'value', add, 'a');
  graph.connect(graph.input('b', Number), 'value', add, 'b');
  graph.connect(add, 'sum', square, 'n');
  graph.output('result', square, 'squared');
  const result = await new ExecutionEngine().run(graph, { inputs: { a: 2, b: 3 } });
  if (!result.isSuccessful()) throw new Error(result.getErrorMessage());
  console.log(`core ${result.outputs.result}`);

  const workers = createWorkerEngine({ cpuThreads: 1 });
  try {
    const wgraph = new GraphDefinition<object, { tripled: number; onWorker: boolean }>();
    const triple = new Triple({ id: 'triple', params: { factor: 3 } });
    wgraph.connect(new Value(7), 'value', triple, 'n');
    wgraph.output('tripled', triple, 'tripled').output('onWorker', triple, 'onWorker');
    const wresult = await workers.run(wgraph);
    if (!wresult.isSuccessful()) throw new Error(wresult.getErrorMessage());
    console.log(`workers ${wresult.outputs.tripled} ${wresult.outputs.onWorker}`);
  } finally {
    await workers.close();
  }

  const registry = builtinRegistry().register(Times);
  const workflow = loadWorkflow(
    [
      'workflow_name: packaged',
      'tasks:',
      '  - { name: seven, component_name: constant, params: { value: 7 }, outputs: [seven] }',
      '  - { name: twice, component_name: times, params: { times: 2 }, inputs: { n: seven }, outputs: [twice] }',
    ].join('\n'),
    { registry },
  );
  const wf = await new ExecutionEngine().run(workflow.graph, { retainOutputs: true });
  console.log(`workflow ${String(wf.getOutput('twice', 'out'))}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
