#!/usr/bin/env node
'use strict';
// The `portflow` command. The CLI is written in TypeScript and compiled to
// dist/ by `npm run build` (or `npm test`); this file only hands over to it.
let bin;
try {
  bin = require.resolve('../dist/bin.js');
} catch {
  process.stderr.write('portflow: the CLI is not built yet. Run `npm run build` in the repository root first.\n');
  process.exit(2);
}
require(bin);
