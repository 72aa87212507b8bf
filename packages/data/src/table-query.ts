import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { withConnection } from './duckdb-runtime';
import { DataQueryError } from './errors';
import { verifySources } from './source-fingerprint';
import type { TableColumn, TableRef } from './table-ref';

/** Options of {@link readRows} and {@link readColumns}. */
export interface ReadOptions {
  /** At most this many rows (default: all of them; mind the memory). */
  limit?: number;
  /** Interrupts the query when it aborts (pass `context.signal`). */
  signal?: AbortSignal;
}

/**
 * Runs a table's query and returns its rows as plain objects: the explicit
 * way for a plain `Operation` to hold data in JS. `BIGINT` columns arrive as
 * `bigint`, `DATE`/`TIMESTAMP` as `Date`-like values of DuckDB's JS
 * conversion; ask for a `limit` unless the table is known to be small.
 *
 * @example
 * ```ts
 * async execute({ table }: Inputs<Preview>, context: ExecutionContext) {
 *   const rows = await readRows(table, { limit: 5, signal: context.signal });
 *   return { preview: rows };
 * }
 * ```
 */
export async function readRows(table: TableRef, options: ReadOptions = {}): Promise<Record<string, unknown>[]> {
  return runTable(table, options, 'readRows', async (connection, sql, params) => {
    const reader = await connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  });
}

/**
 * Runs a table's query and returns its columns: name to array of values, in
 * row order (conversions as in {@link readRows}). Apache Arrow output is not
 * offered: the DuckDB Node API this package uses has no Arrow export yet.
 *
 * @example
 * ```ts
 * const { amount } = await readColumns(table, { signal: context.signal });
 * const total = (amount as number[]).reduce((a, b) => a + b, 0);
 * ```
 */
export async function readColumns(table: TableRef, options: ReadOptions = {}): Promise<Record<string, unknown[]>> {
  return runTable(table, options, 'readColumns', async (connection, sql, params) => {
    const reader = await connection.runAndReadAll(sql, params);
    return reader.getColumnsObjectJS() as Record<string, unknown[]>;
  });
}

async function runTable<T>(table: TableRef, options: ReadOptions, what: string, read: (connection: DuckDBConnection, sql: string, params: DuckDBValue[]) => Promise<T>): Promise<T> {
  await verifySources(table, what);
  const limit = options.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new RangeError(`${what}: limit must be a whole number >= 0, got ${limit}`);
  const sql = limit === undefined ? table.sql : `SELECT * FROM (${table.sql}) AS "table" LIMIT ${limit}`;
  return withConnection(options.signal, async (connection) => {
    try {
      return await read(connection, sql, [...table.params]);
    } catch (error) {
      throw new DataQueryError(`${what}: ${(error as Error).message}`, { cause: error });
    }
  });
}

/** The columns a query would produce, without running it (DuckDB binds it only). @internal */
export async function columnsOf(connection: DuckDBConnection, sql: string, params: readonly DuckDBValue[]): Promise<TableColumn[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE ${sql}`, [...params]);
  return reader.getRowObjectsJson().map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
}
