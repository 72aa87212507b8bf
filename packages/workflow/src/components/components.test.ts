import { createLogger, ExecutionEngine, GraphDefinition } from '@portflow/core';
import { builtinRegistry } from '../index';

describe('built-in components', () => {
  it('include constant, log and delay, but no data components (those live in @portflow/data)', () => {
    expect(builtinRegistry().names()).toEqual(expect.arrayContaining(['constant', 'delay', 'log']));
    expect(builtinRegistry().has('read_csv')).toBe(false);
  });

  it('log previews a table reference by its columns and sources, not its SQL', async () => {
    const entries: string[] = [];
    const table = { kind: 'portflow.table', version: 1, sql: 'SELECT 1', params: [], sources: [{ path: '/data/sales.csv', size: 1 }], columns: [{ name: 'a', type: 'BIGINT' }, { name: 'b', type: 'VARCHAR' }], hash: 'x' };
    const registry = builtinRegistry();
    const graph = new GraphDefinition();
    graph.connect(registry.create('constant', { value: table }, { id: 't' }), 'value' as never, registry.create('log', { message: 'got {value}' }, { id: 'show' }) as never, 'value' as never);
    await new ExecutionEngine({ logger: createLogger((entry) => entries.push(entry.message), 'info') }).run(graph);
    expect(entries).toContain('got table (2 columns: a, b) from sales.csv');
  });

  it('delay stops when the run is cancelled', async () => {
    const graph = new GraphDefinition().add(builtinRegistry().create('delay', { ms: 60_000 }, { id: 'wait' }));
    const controller = new AbortController();
    const run = new ExecutionEngine().start(graph, { signal: controller.signal });
    queueMicrotask(() => controller.abort());
    expect((await run.result).status).toBe('cancelled');
  });
});
