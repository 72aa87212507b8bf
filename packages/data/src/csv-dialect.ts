import type { DuckDBConnection } from '@duckdb/node-api';
import type { SqlValue } from './table-ref';
import { quoteString } from './sql-text';

/** What DuckDB's CSV sniffer found in a file: its dialect and its columns. @internal */
export interface CsvDialect {
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string;
  readonly newLine: string;
  readonly comment: string;
  readonly skipRows: number;
  readonly header: boolean;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly dateFormat: string | null;
  readonly timestampFormat: string | null;
}

/** DuckDB's way of saying "none" in sniff_csv's output. */
const EMPTY = '(empty)';

/**
 * Sniffs a CSV file once (DuckDB's `sniff_csv`, reading a sample), so that
 * the table's query can name the dialect and the columns with
 * `auto_detect = false`: otherwise DuckDB sniffs the file again every time
 * a later step binds a query over it (tens of ms each, on a large file).
 * @internal
 */
export async function sniffCsv(connection: DuckDBConnection, path: string, options: { header: boolean; delimiter: string; allVarchar: boolean }): Promise<CsvDialect> {
  const reader = await connection.runAndReadAll('SELECT * FROM sniff_csv(?, header = ?, delim = ?, all_varchar = ?)', [path, options.header, options.delimiter, options.allVarchar]);
  const row = reader.getRowObjectsJson()[0] as Record<string, unknown> | undefined;
  if (row === undefined) throw new Error(`DuckDB could not sniff ${path}`);
  const text = (value: unknown): string => (typeof value === 'string' && value !== EMPTY ? value : '');
  const columns = (row.Columns as { name: string; type: string }[] | null) ?? [];
  return {
    delimiter: text(row.Delimiter) || options.delimiter,
    quote: text(row.Quote),
    escape: text(row.Escape),
    newLine: text(row.NewLineDelimiter),
    comment: text(row.Comment),
    skipRows: Number(row.SkipRows ?? 0),
    header: row.HasHeader === true,
    columns: columns.map((c) => ({ name: String(c.name), type: String(c.type) })),
    dateFormat: typeof row.DateFormat === 'string' && row.DateFormat !== '' ? row.DateFormat : null,
    timestampFormat: typeof row.TimestampFormat === 'string' && row.TimestampFormat !== '' ? row.TimestampFormat : null,
  };
}

/**
 * The `read_csv(...)` call that reads `path` with `dialect`, without
 * sniffing again: every option a bound parameter but the columns, which
 * DuckDB only takes as a struct literal (names and types as quoted strings).
 * @internal
 */
export function readCsvCall(path: string, dialect: CsvDialect): { sql: string; params: SqlValue[] } {
  const params: SqlValue[] = [path, dialect.header, dialect.delimiter, dialect.quote, dialect.escape, dialect.comment, dialect.skipRows];
  let sql = 'read_csv(?, auto_detect = false, header = ?, delim = ?, quote = ?, escape = ?, comment = ?, skip = ?';
  if (dialect.newLine !== '') {
    sql += ', new_line = ?';
    params.push(dialect.newLine);
  }
  if (dialect.dateFormat !== null) {
    sql += ', dateformat = ?';
    params.push(dialect.dateFormat);
  }
  if (dialect.timestampFormat !== null) {
    sql += ', timestampformat = ?';
    params.push(dialect.timestampFormat);
  }
  sql += `, columns = {${dialect.columns.map((c) => `${quoteString(c.name)}: ${quoteString(c.type)}`).join(', ')}})`;
  return { sql, params };
}
