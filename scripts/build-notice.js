#!/usr/bin/env node
// Says what is happening before the first build of a fresh clone, which takes
// a while and would otherwise show only turbo's header.
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const packages = join(__dirname, '..', 'packages');
const unbuilt = readdirSync(packages).filter((name) => existsSync(join(packages, name, 'package.json')) && !existsSync(join(packages, name, 'dist')));
if (unbuilt.length > 0) process.stderr.write(`building packages (first run only, about a minute): ${unbuilt.join(', ')}…\n`);
