#!/usr/bin/env node
// Scores customers with a logistic regression: plain Node.js, no dependencies.
//
//   node score.mjs --model model.json --features out/features.csv --out out/scores.csv
//
// model.json holds `intercept`, `weights` ({ feature column: weight }) and `id_column`.
// The features CSV (written by the workflow's `to_csv` step) must have the id column and
// every weighted column, as numbers. The output CSV has two columns: the id and
// `churn_score`, the predicted probability of churn (0..1, six decimals), one row per input row.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

function option(name) {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? undefined : process.argv[i + 1];
  if (value === undefined) fail(`missing --${name} <path>`);
  return value;
}

function fail(message) {
  console.error(`score.mjs: ${message}`);
  process.exit(1);
}

const model = JSON.parse(readFileSync(option('model'), 'utf8'));
const featuresPath = option('features');
const outPath = option('out');
const idColumn = model.id_column ?? 'customer_id';
const features = Object.entries(model.weights);

const [header, ...rows] = readFileSync(featuresPath, 'utf8').split(/\r?\n/).filter((line) => line !== '');
if (header === undefined) fail(`${featuresPath} is empty`);
const columns = header.split(',').map((c) => c.replace(/^"|"$/g, ''));
const index = (name) => {
  const i = columns.indexOf(name);
  if (i === -1) fail(`${featuresPath} has no column '${name}' (it has ${columns.join(', ')})`);
  return i;
};
const idIndex = index(idColumn);
const weighted = features.map(([name, weight]) => ({ name, weight, at: index(name) }));

const out = [`${idColumn},churn_score`];
let sum = 0;
for (const [n, line] of rows.entries()) {
  const cells = line.split(',');
  let logit = model.intercept;
  for (const { name, weight, at } of weighted) {
    const x = Number(cells[at]);
    if (cells[at] === '' || !Number.isFinite(x)) fail(`row ${n + 2}: '${name}' is not a number: '${cells[at]}'`);
    logit += weight * x;
  }
  const score = 1 / (1 + Math.exp(-logit));
  sum += score;
  out.push(`${cells[idIndex]},${score.toFixed(6)}`);
}

const temp = `${outPath}.${process.pid}.tmp`;
writeFileSync(temp, `${out.join('\n')}\n`);
renameSync(temp, outPath);
console.log(`scored ${rows.length} customers, mean churn score ${(sum / Math.max(rows.length, 1)).toFixed(4)}`);
