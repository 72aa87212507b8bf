import { ExecutionEngine, type EngineEvent } from '@portflow/core';
import { buildHelloGraph } from './hello-graph';

function describe(event: EngineEvent): string {
  switch (event.type) {
    case 'RunStarted':
      return `run started: ${event.operationCount} operations`;
    case 'OperationStarted':
      return `  started   ${event.operationId}`;
    case 'OperationProgress':
      return `  progress  ${event.operationId} ${Math.round(event.fraction * 100)}% ${event.message ?? ''}`;
    case 'OperationCompleted':
      return `  completed ${event.operationId} in ${event.durationMs} ms -> ${JSON.stringify(event.outputs)}`;
    case 'RunCompleted':
      return `run ${event.status}: ${event.counts.succeeded}/${event.counts.total} succeeded in ${event.durationMs} ms`;
    default:
      return `  ${event.type} ${'operationId' in event ? event.operationId : ''}`;
  }
}

async function main(): Promise<void> {
  const { graph, report } = buildHelloGraph(process.argv[2]);
  console.log('The graph (Mermaid):\n');
  console.log(graph.toMermaid());
  await using engine = new ExecutionEngine({ maxParallel: 4 });
  const run = engine.start(graph);
  run.events$.subscribe((event) => console.log(describe(event)));
  const result = await run.result;
  console.log(`\nreport: ${result.getOutput(report, 'line')}`);
  process.exitCode = result.isSuccessful() ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
