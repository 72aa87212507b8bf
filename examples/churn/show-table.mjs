#!/usr/bin/env node
// Prints a small CSV as an aligned table (fractions with three decimals): node show-table.mjs <file.csv>
import { readFileSync } from 'node:fs';

const [path] = process.argv.slice(2);
if (path === undefined) {
  console.error('usage: node show-table.mjs <file.csv>');
  process.exit(2);
}
const rows = readFileSync(path, 'utf8')
  .split(/\r?\n/)
  .filter((line) => line !== '')
  .map((line) => line.split(',').map((cell) => cell.replace(/^"|"$/g, '')));
const cells = rows.map((row, r) => row.map((cell) => (r > 0 && cell !== '' && !Number.isInteger(Number(cell)) && Number.isFinite(Number(cell)) ? Number(cell).toFixed(3) : cell)));
const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
for (const row of cells) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
