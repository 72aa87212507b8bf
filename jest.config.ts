import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from 'jest';

const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    },
    module: { type: 'commonjs' },
  },
] as const;

/** One jest project per package; tests live next to the code as `*.test.ts`. */
function project(name: string, dir: string): Config {
  return {
    displayName: name,
    rootDir: `<rootDir>/${dir}`,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/**/*.test.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    transform: { '^.+\\.tsx?$': swc as unknown as [string, Record<string, unknown>] },
    // Tests import sibling packages from source, so they need no build;
    // only worker-thread code must be built (see docs/testing.md).
    moduleNameMapper: {
      '^@portflow/core/testing$': `${__dirname}/packages/core/src/testing/index.ts`,
      '^@portflow/([a-z-]+)$': `${__dirname}/packages/$1/src/index.ts`,
    },
  };
}

/** Every package (and examples/, bench/) with tests gets a project, named after its folder. */
const packages = readdirSync(join(__dirname, 'packages')).filter((name) => existsSync(join(__dirname, 'packages', name, 'src')));

const config: Config = {
  projects: [
    ...packages.map((name) => project(name, `packages/${name}`)),
    project('examples', 'examples'),
    ...(existsSync(join(__dirname, 'bench', 'src')) ? [project('bench', 'bench')] : []),
  ],
  reporters: ['default', '<rootDir>/scripts/summary-reporter.js'],
};

export default config;
