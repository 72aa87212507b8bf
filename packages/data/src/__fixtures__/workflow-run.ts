import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecutionEngine, type ExecutionResult, type RunOptions } from '@portflow/core';
import { loadWorkflowFile, type CompiledWorkflow } from '@portflow/workflow';
import { dataRegistry } from '../data-components';

/** Temporary directories made by a test file, removed by {@link removeTempDirs}. */
const made: string[] = [];

/** A new empty temporary directory. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'portflow-data-'));
  made.push(dir);
  return dir;
}

/** Removes every directory {@link tempDir} made (call in afterAll/afterEach). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes `files` (name to text) into `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

/** The lines joined, as a YAML document. */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** Writes `text` as `dir/wf.yaml`, compiles it with the data registry and runs it. */
export async function runWorkflow(dir: string, text: string, options: RunOptions = {}): Promise<{ workflow: CompiledWorkflow; result: ExecutionResult<Record<string, unknown>> }> {
  writeFileSync(join(dir, 'wf.yaml'), text);
  const workflow = loadWorkflowFile(join(dir, 'wf.yaml'), { registry: dataRegistry() });
  const result = await new ExecutionEngine(workflow.engineOptions).run(workflow.graph, { retainOutputs: true, ...options });
  return { workflow, result: result as ExecutionResult<Record<string, unknown>> };
}

/** Sales rows: value, category, amount. */
export const SALES_CSV = ['value,category,amount', '150,books,10.5', '50,books,3', '200,games,4', '120,games,7.5', '101,books,1.5', ''].join('\n');
