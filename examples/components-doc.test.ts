import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataRegistry } from '@portflow/data';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { renderComponentsDoc } = require('../scripts/components-doc.js') as { renderComponentsDoc: (registry: unknown) => string };

describe('docs/components.md', () => {
  it('is what scripts/components-doc.js generates from the registry (run it after a build when this fails)', () => {
    expect(readFileSync(join(__dirname, '..', 'docs', 'components.md'), 'utf8')).toBe(renderComponentsDoc(dataRegistry()));
  });
});
