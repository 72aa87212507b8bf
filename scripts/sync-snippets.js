#!/usr/bin/env node
// Rewrites every `<!-- snippet: file#region -->` code block in README.md and
// docs/*.md from its source region (the check is examples/docs-sync.test.ts).
const { readFileSync, readdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const documents = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

function region(file, name) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trim() === `// #region ${name}`);
  const end = lines.findIndex((l) => l.trim() === `// #endregion ${name}`);
  if (start < 0 || end < start) throw new Error(`${file} has no region '${name}'`);
  const body = lines.slice(start + 1, end);
  const indent = Math.min(...body.filter((l) => l.trim()).map((l) => /^ */.exec(l)[0].length));
  return body.map((l) => l.slice(indent)).join('\n');
}

for (const document of documents) {
  const lines = readFileSync(join(root, document), 'utf8').split('\n');
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]);
    const marker = /^<!-- snippet: (\S+)#(\S+) -->$/.exec(lines[i].trim());
    if (!marker) continue;
    const open = i + 1;
    const close = lines.findIndex((l, k) => k > open && l.startsWith('```'));
    out.push(lines[open], ...region(marker[1], marker[2]).split('\n'), lines[close]);
    i = close;
  }
  writeFileSync(join(root, document), out.join('\n'));
}
