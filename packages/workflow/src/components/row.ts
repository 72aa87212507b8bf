/** A table row: column name to value. Built-in data components pass `Row[]` between them. */
export type Row = Record<string, unknown>;
