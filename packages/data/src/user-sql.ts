import type { DuckDBConnection } from '@duckdb/node-api';
import { DataQueryError, UnsafeSqlError } from './errors';
import { quoteString } from './sql-text';

/** Functions that reach outside the step's inputs even when called as scalars. */
const FORBIDDEN_FUNCTIONS = new Set(['getenv', 'current_setting', 'getvariable', 'query', 'query_table', 'read_text', 'read_blob', 'glob', 'sql_auto_complete']);

/**
 * Checks SQL a workflow author wrote (`sql`, or a statement wrapping an
 * `expr`) before it is composed into a step's query: it must be exactly one
 * `SELECT` statement, without parameters, that reads only `allowed` tables
 * (the step's inputs) and tables it defines itself (`WITH` names). Table
 * functions (`read_csv`, `read_parquet`, `glob`...), file paths used as
 * tables, other schemas and catalogs, and `ATTACH`/`COPY`/`INSTALL`/`LOAD`/
 * `SET`/`PRAGMA` are refused with an {@link UnsafeSqlError}; a syntax error
 * is a {@link DataQueryError} with DuckDB's message. `what` names the param
 * and `where` the step, for messages.
 * @internal
 */
export async function checkUserSelect(connection: DuckDBConnection, text: string, allowed: readonly string[], what: string, where: string): Promise<void> {
  const extracted = await extractOrThrow(connection, text, what, where);
  if (extracted.count !== 1) throw new UnsafeSqlError(`${where}: ${what} must be exactly one SELECT statement; it has ${extracted.count}`);
  const reader = await connection.runAndReadAll(`SELECT json_serialize_sql(${quoteString(text)}) AS ast`);
  const ast = JSON.parse(String(reader.getRowObjectsJson()[0]!.ast)) as { error: boolean; error_message?: string; statements?: unknown[] };
  if (ast.error) {
    if (ast.error_message?.startsWith('Only SELECT')) {
      const keyword = /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? 'something else';
      throw new UnsafeSqlError(`${where}: ${what} must be a SELECT statement; it is ${keyword}`);
    }
    throw new DataQueryError(`${where}: ${what} is not valid SQL: ${ast.error_message ?? 'it cannot be parsed'}`);
  }
  if ((ast.statements ?? []).length !== 1) throw new UnsafeSqlError(`${where}: ${what} must be exactly one SELECT statement`);
  const names = new Set(allowed.map((n) => n.toLowerCase()));
  collectCteNames(ast.statements, names);
  const problem = findProblem(ast.statements, names);
  if (problem !== undefined) {
    const inputs = allowed.length === 0 ? 'no tables' : `only the step's inputs (${allowed.join(', ')})`;
    throw new UnsafeSqlError(`${where}: ${what} may read ${inputs}; ${problem}`);
  }
}

async function extractOrThrow(connection: DuckDBConnection, text: string, what: string, where: string) {
  try {
    return await connection.extractStatements(text);
  } catch (error) {
    throw new DataQueryError(`${where}: ${what} is not valid SQL: ${(error as Error).message}`, { cause: error });
  }
}

function collectCteNames(node: unknown, names: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectCteNames(item, names);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  const map = (record.cte_map as { map?: { key?: string }[] } | undefined)?.map;
  for (const entry of map ?? []) if (typeof entry.key === 'string') names.add(entry.key.toLowerCase());
  for (const value of Object.values(record)) collectCteNames(value, names);
}

function findProblem(node: unknown, names: ReadonlySet<string>): string | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const problem = findProblem(item, names);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  const record = node as Record<string, unknown>;
  if (record.type === 'TABLE_FUNCTION') {
    const fn = (record.function as { function_name?: string } | undefined)?.function_name ?? 'unknown';
    return `it calls table function '${fn}'`;
  }
  if (record.type === 'BASE_TABLE') {
    const table = String(record.table_name);
    if (record.schema_name || record.catalog_name) return `it reads '${[record.catalog_name, record.schema_name, table].filter(Boolean).join('.')}', which is not an input`;
    if (!names.has(table.toLowerCase())) return /[./\\]/.test(table) ? `it reads the file '${table}' as a table` : `it reads '${table}', which is not an input`;
  }
  if (record.class === 'PARAMETER') return 'it has a parameter placeholder; write values inline';
  if (record.class === 'FUNCTION' && typeof record.function_name === 'string' && FORBIDDEN_FUNCTIONS.has(record.function_name.toLowerCase())) {
    return `it calls '${record.function_name}'`;
  }
  for (const value of Object.values(record)) {
    const problem = findProblem(value, names);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
