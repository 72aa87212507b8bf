import { serializationProblem, v8Codec } from '@portflow/core';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeDuckDB, isTableRef, readColumns, readRows, type TableRef } from './index';
import { removeTempDirs, runWorkflow, SALES_CSV, tempDir, writeFiles, yaml } from './__fixtures__/workflow-run';

afterAll(async () => {
  removeTempDirs();
  await closeDuckDB();
});

const CHAIN = yaml(
  'pipeline:',
  '  - { name: load, operation: read_csv, params: { path: data.csv } }',
  '  - { name: big, operation: query, depends_on: [load], params: { expr: "value > 100" } }',
);

async function tableOf(dir: string): Promise<TableRef> {
  const { result } = await runWorkflow(dir, CHAIN);
  expect(result.getErrorMessage()).toBeUndefined();
  return result.getOutput('big', 'table') as TableRef;
}

describe('TableRef', () => {
  it('is plain frozen data holding its SQL, params, sources and columns, and round-trips through v8Codec', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'data.csv': SALES_CSV });
    const table = await tableOf(dir);
    expect(isTableRef(table)).toBe(true);
    expect(Object.isFrozen(table) && Object.isFrozen(table.sources[0]) && Object.isFrozen(table.params)).toBe(true);
    expect(serializationProblem(table, 'table')).toBeUndefined();
    expect(v8Codec.decode(v8Codec.encode(table))).toEqual(table);
    expect(table.sources).toEqual([{ path: join(dir, 'data.csv'), size: SALES_CSV.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(table.columns.map((c) => `${c.name} ${c.type}`)).toEqual(['value BIGINT', 'category VARCHAR', 'amount DOUBLE']);
    expect(table.sql).toContain('read_csv(?');
    expect(table.params[0]).toBe(join(dir, 'data.csv'));
  });

  it('changes its hash when the source file changes, and a read refuses the stale reference', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'data.csv': SALES_CSV });
    const before = await tableOf(dir);
    expect((await tableOf(dir)).hash).toBe(before.hash);
    writeFileSync(join(dir, 'data.csv'), `${SALES_CSV}300,toys,9\n`);
    const after = await tableOf(dir);
    expect(after.hash).not.toBe(before.hash);
    await expect(readRows(before)).rejects.toThrow(/data.csv changed after it was read/);
    expect(await readRows(after)).toHaveLength(5);
  });

  it('fingerprints large files by size and mtime', async () => {
    const dir = tempDir();
    const big = ['value,category,amount', ...Array.from({ length: 80_000 }, (_, i) => `${i},c${i % 7},${i / 2}`)].join('\n');
    writeFiles(dir, { 'data.csv': big });
    const before = await tableOf(dir);
    expect(before.sources[0]).toEqual({ path: join(dir, 'data.csv'), size: big.length, mtimeMs: expect.any(Number) });
    utimesSync(join(dir, 'data.csv'), new Date(0), new Date(0));
    expect((await tableOf(dir)).hash).not.toBe(before.hash);
  });

  it('gives rows and columns only when asked, with a limit', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'data.csv': SALES_CSV });
    const table = await tableOf(dir);
    expect(await readRows(table, { limit: 2 })).toEqual([
      { value: 150n, category: 'books', amount: 10.5 },
      { value: 200n, category: 'games', amount: 4 },
    ]);
    expect(await readColumns(table)).toEqual({ value: [150n, 200n, 120n, 101n], category: ['books', 'games', 'games', 'books'], amount: [10.5, 4, 7.5, 1.5] });
  });
});
