import { dataRegistry } from '@portflow/data';
import { checkWorkflow } from '@portflow/workflow';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every YAML block in the format reference is a complete workflow that validates. */
const reference = readFileSync(join(__dirname, '..', '..', 'docs', 'workflows-yaml.md'), 'utf8');
const blocks = [...reference.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m, i) => [`block ${i + 1}`, m[1]!] as const);

describe('docs/workflows-yaml.md', () => {
  it('has YAML examples of both forms', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    expect(blocks.some(([, text]) => text.includes('pipeline:'))).toBe(true);
    expect(blocks.some(([, text]) => text.includes('tasks:'))).toBe(true);
  });

  it.each(blocks)('%s validates', (_name, text) => {
    const check = checkWorkflow(text, { registry: dataRegistry(), file: 'docs.yaml', env: { PORTFLOW_DATA_DIR: '/data' } });
    expect(check.problems).toEqual([]);
  });
});
