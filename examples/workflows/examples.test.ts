import { ExecutionEngine } from '@portflow/core';
import { closeDuckDB, dataRegistry } from '@portflow/data';
import { loadWorkflowFile } from '@portflow/workflow';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const files = readdirSync(__dirname).filter((f) => f.endsWith('.yaml'));

afterAll(() => closeDuckDB());

describe('examples/workflows', () => {
  it('has an example of each form', () => {
    const forms = files.map((f) => loadWorkflowFile(join(__dirname, f), { registry: dataRegistry() }).form);
    expect(new Set(forms)).toEqual(new Set(['pipeline', 'tasks']));
  });

  it.each(files)('%s validates and runs', async (file) => {
    const out = mkdtempSync(join(tmpdir(), 'portflow-example-'));
    const workflow = loadWorkflowFile(join(__dirname, file), { registry: dataRegistry(), variables: { out_dir: out } });
    const result = await new ExecutionEngine(workflow.engineOptions).run(workflow.graph, { variables: workflow.variables });
    expect(result.getErrorMessage()).toBeUndefined();
    expect(readdirSync(out).length).toBeGreaterThan(0);
  });

  it('sales-pipeline.yaml sums big sales per category', async () => {
    const out = mkdtempSync(join(tmpdir(), 'portflow-example-'));
    const path = join(__dirname, 'sales-pipeline.yaml');
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    // #region run-from-code
    const workflow = loadWorkflowFile(path, { registry: dataRegistry(), variables: { out_dir: out } });
    const engine = new ExecutionEngine(workflow.engineOptions);
    const result = await engine.run(workflow.graph, { variables: workflow.variables, retainOutputs: true });
    console.log(result.status, result.getOutput('aggregate', 'table')); // a lazy table: its SQL, sources and columns
    // #endregion run-from-code
    log.mockRestore();
    expect(result.status).toBe('succeeded');
    expect(readFileSync(join(out, 'sales-by-category.csv'), 'utf8')).toBe('category,amount_sum,amount_mean\nhardware,1270.5,423.5\nsoftware,771.0,192.75\n');
  });
});
