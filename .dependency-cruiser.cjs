/**
 * Import rules (npm run deps): layers point one way. See docs/stack.md.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules must not import each other in a circle (type-only imports excepted).',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'core-model-and-graph-below-engine',
      severity: 'error',
      comment: "core's model and graph describe work; they never import how it is run (engine, script, results, events).",
      from: { path: '^packages/core/src/(model|graph)/' },
      to: { path: '^packages/core/src/(engine|script|results|events)/' },
    },
    {
      name: 'core-engine-below-script',
      severity: 'error',
      comment: 'The engine does not know the script (Flow) layer built on it.',
      from: { path: '^packages/core/src/(engine|results|events)/' },
      to: { path: '^packages/core/src/script/' },
    },
    {
      name: 'core-knows-no-siblings',
      severity: 'error',
      comment: 'core depends on no other Portflow package.',
      from: { path: '^packages/core/' },
      to: { path: '^packages/(?!core/)[^/]+/' },
    },
    {
      name: 'workflow-and-workers-below-cli',
      severity: 'error',
      comment: 'workflow and workers build on core only; the CLI builds on them.',
      from: { path: '^packages/(workflow|workers)/' },
      to: { path: '^packages/(cli|workflow|workers)/', pathNot: '^packages/$1/' },
    },
    {
      name: 'data-builds-on-core-and-workflow',
      severity: 'error',
      comment: '@portflow/data builds on core and workflow; only the CLI (and tests of examples) build on it.',
      from: { path: '^packages/(core|workflow|workers|store)/' },
      to: { path: '^packages/data/' },
    },
    {
      name: 'data-imports-core-and-workflow-only',
      severity: 'error',
      comment: 'The data components know core and workflow, not the CLI, workers or store.',
      from: { path: '^packages/data/' },
      to: { path: '^packages/(cli|workers|store)/' },
    },
    {
      name: 'store-builds-on-core-only',
      severity: 'error',
      comment: 'The run store depends on core alone; the engine, workflow, workers and CLI reach it through its public entry, never the other way round.',
      from: { path: '^packages/store/' },
      to: { path: '^packages/(?!core/|store/)[^/]+/' },
    },
    {
      name: 'runs-builds-on-core-store-and-workflow',
      severity: 'error',
      comment: '@portflow/runs (the run manager) builds on core, store and workflow; none of them, nor workers or data, imports it.',
      from: { path: '^packages/runs/' },
      to: { path: '^packages/(?!core/|store/|workflow/|runs/)[^/]+/' },
    },
    {
      name: 'nothing-below-runs-imports-it',
      severity: 'error',
      comment: 'core, workflow, workers, store and data never import the run manager.',
      from: { path: '^packages/(core|workflow|workers|store|data)/' },
      to: { path: '^packages/runs/' },
    },
    {
      name: 'distributed-builds-on-core-and-workers',
      severity: 'error',
      comment: '@portflow/distributed (BullMQ executor and worker) builds on core and workers only.',
      from: { path: '^packages/distributed/' },
      to: { path: '^packages/(?!core/|workers/|distributed/)[^/]+/' },
    },
    {
      name: 'nothing-imports-distributed',
      severity: 'error',
      comment: 'No other package imports @portflow/distributed (the CLI will, when `portflow worker` arrives).',
      from: { path: '^packages/(?!distributed/)[^/]+/' },
      to: { path: '^packages/distributed/' },
    },
    {
      name: 'only-public-entries-of-siblings',
      severity: 'error',
      comment: "A package imports a sibling only through its public entry (src/index.ts or the testing subpath), never its internals.",
      from: { path: '^packages/([^/]+)/src/' },
      to: { path: '^packages/[^/]+/src/', pathNot: ['^packages/$1/src/', '^packages/[^/]+/src/index\\.ts$', '^packages/core/src/testing/index\\.ts$'] },
    },
    {
      name: 'no-test-code-in-sources',
      severity: 'error',
      comment: 'Published code never imports tests or fixtures.',
      from: { path: '^packages/[^/]+/src/', pathNot: ['\\.test\\.ts$', '/__fixtures__/', '^packages/[^/]+/src/testing/'] },
      to: { path: ['\\.test\\.ts$', '/__fixtures__/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['/dist/', 'node_modules'] },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
  },
};
