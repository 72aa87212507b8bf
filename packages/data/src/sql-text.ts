/**
 * `name` as a DuckDB identifier: double-quoted, inner quotes doubled. Every
 * column and table name from a workflow reaches SQL through this.
 *
 * @example
 * ```ts
 * quoteIdentifier('order "id"'); // '"order ""id"""'
 * ```
 */
export function quoteIdentifier(name: string): string {
  if (name.includes('\0')) throw new TypeError('an identifier cannot contain a NUL character');
  return `"${name.replace(/"/g, '""')}"`;
}

/** `text` as a SQL string literal (single quotes doubled); for the few places DuckDB cannot bind a parameter. @internal */
export function quoteString(text: string): string {
  if (text.includes('\0')) throw new TypeError('a string literal cannot contain a NUL character');
  return `'${text.replace(/'/g, "''")}'`;
}
