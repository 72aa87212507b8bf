import { ExecutionEngine, type EngineEvent } from '@portflow/core';
import { buildHelloGraph } from './hello-graph';

describe('examples/hello', () => {
  it('splits, counts and finds the longest word, with counting and longest running side by side', async () => {
    const { graph, report, count, longest } = buildHelloGraph('a quick brown fox');
    const engine = new ExecutionEngine();
    const run = engine.start(graph, { retainOutputs: true });
    const events: EngineEvent[] = [];
    run.events$.subscribe((e) => events.push(e));
    const result = await run.result;
    expect(result.status).toBe('succeeded');
    expect(result.getOutput(count, 'count')).toBe(4);
    expect(result.getOutput(longest, 'longest')).toBe('quick');
    expect(result.getOutput(report, 'line')).toBe('4 | quick');
    // Both branches started before either completed.
    const order = events.map((e) => `${e.type}:${'operationId' in e ? e.operationId : ''}`);
    const firstDone = Math.min(order.indexOf('OperationCompleted:count'), order.indexOf('OperationCompleted:longest'));
    expect(order.indexOf('OperationStarted:count')).toBeLessThan(firstDone);
    expect(order.indexOf('OperationStarted:longest')).toBeLessThan(firstDone);
    expect(events.at(-1)?.type).toBe('RunCompleted');
    await engine.close();
  });

  it('renders its graph as Mermaid with port names', () => {
    expect(buildHelloGraph().graph.toMermaid()).toContain('-- "count → facts" -->');
  });
});
