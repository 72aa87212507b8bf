#!/usr/bin/env node
// `npm start`: generates a 1,000,000-row sales CSV on first run (DuckDB
// itself writes it), runs pipeline.yml through the `portflow` CLI with live
// progress, then prints the Parquet file it wrote.
//
//   node examples/etl/run.js [--rows=N] [--csv=path] [--parquet=path] [portflow run options...]
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { isAbsolute, join, relative, resolve } = require('node:path');
const { DuckDBInstance } = require('@duckdb/node-api');
const { generateSales } = require('./generate-sales');

const root = join(__dirname, '..', '..');
const cli = join(root, 'packages', 'cli', 'dist', 'bin.js');
const DEFAULT_ROWS = 1_000_000;

function parseArgs(argv) {
  const options = { rows: DEFAULT_ROWS, csv: undefined, parquet: join(__dirname, 'out', 'sales-by-category.parquet'), portflow: [] };
  for (const arg of argv) {
    const [, name, value] = /^--(rows|csv|parquet)=(.*)$/.exec(arg) ?? [];
    if (name === 'rows') options.rows = Number(value.replaceAll('_', ''));
    else if (name !== undefined) options[name] = resolve(value);
    else if (arg === '--help' || arg === '-h') options.help = true;
    else options.portflow.push(arg);
  }
  // The default file is per row count, so asking for another size never reuses a stale file.
  options.csv ??= join(__dirname, 'data', options.rows === DEFAULT_ROWS ? 'sales.csv' : `sales-${options.rows}.csv`);
  return options;
}

/** `path` relative to the working directory when it is below it, else as is. */
function shown(path) {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

async function readResult(parquet) {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet(?) ORDER BY 1`, [parquet]);
    return { columns: reader.columnNames(), rows: reader.getRowsJS() };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function renderTable(columns, rows) {
  const text = (v) => (typeof v === 'number' ? v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : String(v));
  const cells = [columns, ...rows.map((row) => row.map(text))];
  const numeric = columns.map((_, c) => rows.length > 0 && rows.every((row) => typeof row[c] === 'number' || typeof row[c] === 'bigint'));
  const widths = columns.map((_, c) => Math.max(...cells.map((line) => line[c].length)));
  const pad = (s, c) => (numeric[c] ? s.padStart(widths[c]) : s.padEnd(widths[c]));
  return cells.map((line) => line.map(pad).join('  ').trimEnd()).join('\n');
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help || !Number.isInteger(options.rows) || options.rows < 0) {
    process.stdout.write('usage: node examples/etl/run.js [--rows=1000000] [--csv=path] [--parquet=path] [portflow run options, e.g. --no-progress]\n');
    return options.help ? 0 : 2;
  }
  if (!existsSync(cli)) {
    process.stderr.write(`${shown(cli)} is missing: build first (npm run build)\n`);
    return 1;
  }
  if (!existsSync(options.csv)) {
    process.stdout.write(`Generating ${options.rows.toLocaleString('en-US')} sales rows into ${shown(options.csv)} with DuckDB (first run only)…\n`);
    const t0 = performance.now();
    await generateSales(options.csv, options.rows);
    process.stdout.write(`  done in ${((performance.now() - t0) / 1000).toFixed(2)}s\n\n`);
  }
  const args = [cli, 'run', shown(join(__dirname, 'pipeline.yml')), '--var', `csv=${options.csv}`, '--var', `parquet=${options.parquet}`, ...options.portflow];
  const run = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (run.status !== 0) return run.status ?? 1;
  const { columns, rows } = await readResult(options.parquet);
  process.stdout.write(`\n${shown(options.parquet)}: ${rows.length} rows (sales with value > 100, per category)\n\n${renderTable(columns, rows)}\n`);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
