// Writes a deterministic sales CSV with DuckDB itself: row i's columns are
// hashes of i, so the same row count always gives the same file. Used by
// run.js (npm start), its test and the ETL benchmark.
const { mkdirSync, renameSync, rmSync } = require('node:fs');
const { dirname } = require('node:path');
const { DuckDBInstance } = require('@duckdb/node-api');

/** The categories the generator draws from, in order. */
const CATEGORIES = ['books', 'electronics', 'garden', 'grocery', 'sports', 'toys'];
const REGIONS = ['north', 'south', 'east', 'west'];

const list = (values) => `[${values.map((v) => `'${v}'`).join(', ')}]`;

/** `COPY` of `rows` generated rows (id, date, category, region, value, amount) to `path` as CSV. */
function generateSql(path) {
  return `COPY (
  SELECT
    i AS id,
    DATE '2025-01-01' + CAST(hash(i, 'date') % 365 AS INTEGER) AS date,
    (${list(CATEGORIES)})[CAST(hash(i, 'category') % ${CATEGORIES.length} AS INTEGER) + 1] AS category,
    (${list(REGIONS)})[CAST(hash(i, 'region') % ${REGIONS.length} AS INTEGER) + 1] AS region,
    CAST(hash(i, 'value') % 20000 AS DOUBLE) / 100 AS value,
    CAST(hash(i, 'amount') % 100000 AS DOUBLE) / 100 AS amount
  FROM range(CAST(? AS BIGINT)) AS t(i)
) TO '${path.replaceAll("'", "''")}' (HEADER, DELIMITER ',')`;
}

/**
 * Generates the CSV at `path` (folders created; written to a temporary file
 * and renamed, so an interrupted run leaves no partial file).
 * @param {string} path
 * @param {number} rows
 * @returns {Promise<void>}
 */
async function generateSales(path, rows) {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`rows must be a whole number >= 0, got ${rows}`);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(generateSql(temporary), [rows]);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

module.exports = { generateSales, CATEGORIES, REGIONS };
