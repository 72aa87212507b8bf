import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutionEngine, MemoryCheckpointStore } from '@portflow/core';
import { loadWorkflowFile } from '@portflow/workflow';
import { closeDuckDB, dataRegistry } from './index';
import { readBack } from './__fixtures__/parquet';
import { removeTempDirs, SALES_CSV, tempDir, writeFiles, yaml } from './__fixtures__/workflow-run';

afterAll(async () => {
  removeTempDirs();
  await closeDuckDB();
});

describe('checkpoint and resume', () => {
  it('restores lazy tables from the store and the resumed sink computes from them', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'data.csv': SALES_CSV });
    writeFileSync(
      join(dir, 'wf.yaml'),
      yaml(
        'pipeline:',
        '  - { name: load, operation: read_csv, params: { path: data.csv } }',
        '  - { name: big, operation: query, depends_on: [load], params: { expr: "value > 100" } }',
        '  - { name: agg, operation: groupby_agg, depends_on: [big], params: { by: [category], agg: { amount: sum } } }',
        '  - { name: save, operation: to_parquet, depends_on: [agg], params: { path: out/result.parquet } }',
      ),
    );
    const store = new MemoryCheckpointStore();
    const engine = new ExecutionEngine();
    // The first run fails at the sink: a file stands where its folder should be.
    writeFileSync(join(dir, 'out'), 'in the way');
    const graph = () => loadWorkflowFile(join(dir, 'wf.yaml'), { registry: dataRegistry() }).graph;
    const first = await engine.run(graph(), { store });
    expect(first.status).toBe('failed');
    expect(first.getErrorMessage()).toMatch(/step 'save'/);

    rmSync(join(dir, 'out'));
    mkdirSync(join(dir, 'out'));
    const second = await engine.run(graph(), { store, resume: first.runId });
    expect(second.status).toBe('succeeded');
    expect(['load', 'big', 'agg'].map((id) => second.getRecord(id).restoredFrom)).toEqual([first.runId, first.runId, first.runId]);
    expect(second.getRecord('save').restoredFrom).toBeUndefined();
    expect(await readBack(`SELECT category, amount_sum FROM read_parquet('${join(dir, 'out', 'result.parquet')}') ORDER BY 1`)).toEqual([
      { category: 'books', amount_sum: 12 },
      { category: 'games', amount_sum: 11.5 },
    ]);
    await engine.close();
  });
});
