#!/usr/bin/env node
'use strict';
// The `portflow` command. The CLI is written in TypeScript and compiled to
// dist/; this file only hands over to it. In the Portflow repository, right
// after `npm install`, dist/ does not exist yet: it is built once, here.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const entry = join(__dirname, '..', 'dist', 'bin.js');
if (!existsSync(entry)) {
  const root = join(__dirname, '..', '..', '..');
  if (existsSync(join(__dirname, '..', 'src')) && existsSync(join(root, 'turbo.json'))) {
    process.stderr.write('portflow: building the CLI first (once, after install)...\n');
    const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
    spawnSync(npx, ['--no-install', 'turbo', 'run', 'build', '--filter=@portflow/cli...', '--output-logs=errors-only'], { cwd: root, stdio: ['ignore', 2, 2] });
  }
  if (!existsSync(entry)) {
    process.stderr.write('portflow: the CLI is not built. Run `npm run build` in the repository root.\n');
    process.exit(2);
  }
}
require(entry);
