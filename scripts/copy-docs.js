#!/usr/bin/env node
// Copies documents from the repository's docs/ into a package's build output,
// so that a published package carries the docs its --help points to.
// usage: node copy-docs.js <target-dir> <doc.md>...
const { copyFileSync, mkdirSync } = require('node:fs');
const { join, resolve } = require('node:path');

const [target, ...docs] = process.argv.slice(2);
mkdirSync(resolve(target), { recursive: true });
for (const doc of docs) copyFileSync(join(__dirname, '..', 'docs', doc), join(resolve(target), doc));
