#!/usr/bin/env node
// Writes a deterministic customers CSV: node generate-customers.mjs <path> [rows] [--force]
//
// Columns: customer_id, tenure_months, monthly_charges, support_calls, contract (month|year), churned (0/1).
// Every value comes from a hash of (customer_id, column), so the file is the same on every machine.
// An existing file is kept (delete it, or pass --force, to write it again), so you can put your own there.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const args = process.argv.slice(2);
const force = args.includes('--force');
const [target, rowsArg = '5000'] = args.filter((a) => a !== '--force');
if (target === undefined) {
  console.error('usage: node generate-customers.mjs <path> [rows] [--force]');
  process.exit(2);
}
const rows = Number(rowsArg);
if (!Number.isInteger(rows) || rows < 1) {
  console.error(`rows must be a positive integer, got '${rowsArg}'`);
  process.exit(2);
}
const path = resolve(target);
if (existsSync(path) && !force) {
  console.log(`${target} exists, kept (--force writes it again)`);
  process.exit(0);
}

/** A uniform number in [0, 1) from a customer id and a column salt (a 32-bit integer hash). */
function uniform(id, salt) {
  let h = Math.imul(id ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

const lines = ['customer_id,tenure_months,monthly_charges,support_calls,contract,churned'];
for (let id = 1; id <= rows; id++) {
  const month = uniform(id, 1) < 0.55;
  // Month-to-month customers are newer on average; yearly ones have signed at least one year.
  const tenure = month ? 1 + Math.floor(uniform(id, 2) * 36) : 12 + Math.floor(uniform(id, 2) * 61);
  const charges = 20 + Math.floor(uniform(id, 3) * 10_000) / 100;
  const calls = Math.floor(uniform(id, 4) ** 2 * 10);
  // The "true" churn probability the labels are drawn from.
  const logit = -1.2 + (month ? 1.3 : -0.4) - 0.035 * tenure + 0.015 * (charges - 70) + 0.3 * calls;
  const churned = uniform(id, 5) < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  lines.push(`${id},${tenure},${charges.toFixed(2)},${calls},${month ? 'month' : 'year'},${churned}`);
}

mkdirSync(dirname(path), { recursive: true });
const temp = `${path}.${process.pid}.tmp`;
writeFileSync(temp, `${lines.join('\n')}\n`);
renameSync(temp, path);
console.log(`wrote ${rows} customers to ${target}`);
