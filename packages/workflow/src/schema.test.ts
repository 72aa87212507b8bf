import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RETRY_KEYS, SETTINGS_KEYS } from './spec/read-settings';
import { FORM_KEYS } from './spec/read-steps';
import { TOP_LEVEL_KEYS } from './spec/read-workflow';

const schema = JSON.parse(readFileSync(join(__dirname, '..', 'schema', 'workflow.schema.json'), 'utf8'));
const keys = (object: Record<string, unknown>) => Object.keys(object).sort();

describe('workflow.schema.json', () => {
  it('is published with the package', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
    expect(manifest.exports['./schema.json']).toBe('./schema/workflow.schema.json');
    expect(manifest.files).toContain('schema');
  });

  it('allows exactly the fields the reader accepts', () => {
    expect(keys(schema.properties)).toEqual([...new Set([...TOP_LEVEL_KEYS.pipeline, ...TOP_LEVEL_KEYS.tasks])].sort());
    expect(keys(schema.definitions.settings.properties)).toEqual([...SETTINGS_KEYS].sort());
    expect(keys(schema.definitions.retry.oneOf[1].properties)).toEqual([...RETRY_KEYS].sort());
    expect(keys(schema.definitions.pipelineStep.properties)).toEqual([...FORM_KEYS.pipeline.keys].sort());
    expect(keys(schema.definitions.task.properties)).toEqual([...FORM_KEYS.tasks.keys].sort());
  });
});
