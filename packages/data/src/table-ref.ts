import { createHash } from 'node:crypto';
import { canonicalJson, guard } from '@portflow/core';

/** A value bound to a `?` placeholder of a {@link TableRef}'s SQL. */
export type SqlValue = string | number | boolean | null;

/**
 * A file a table reads, as it was when a step read it. `sha256` is set for
 * small files (content-addressed); larger files carry their modification
 * time instead. Either way the table's hash changes when the file does.
 */
export interface TableSource {
  /** Absolute path. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** Modification time (ms since the epoch); set for files above the hashing threshold. */
  readonly mtimeMs?: number;
  /** sha256 of the content (hex); set for files up to the hashing threshold (1 MiB). */
  readonly sha256?: string;
}

/** A column of a table: its name and DuckDB type (`BIGINT`, `VARCHAR`, `DOUBLE`...). */
export interface TableColumn {
  /** The column's name. */
  readonly name: string;
  /** Its DuckDB type. */
  readonly type: string;
}

/**
 * The value that flows between data steps: a lazy table. It holds the one
 * `SELECT` that produces the table (built by `@portflow/data` from quoted
 * identifiers and `?` placeholders, plus the SQL a workflow author wrote on
 * purpose in `expr`/`sql`), the values bound to its placeholders, the files
 * it reads with their fingerprints, its columns, and a content hash of all
 * of that. Nothing is read until a sink or an explicit read
 * ({@link readRows}) runs the query, so a chain of steps runs as one DuckDB
 * query.
 *
 * It is plain frozen data: it passes `serializationProblem`, round-trips
 * through `v8Codec`, can be stored in a checkpoint and sent to another
 * process, and its `hash` changes when a source file changes.
 *
 * @example
 * ```ts
 * const table = result.getOutput('transform', 'table') as TableRef;
 * table.columns; // [{ name: 'value', type: 'BIGINT' }, ...]
 * const rows = await readRows(table, { limit: 10 });
 * ```
 */
export interface TableRef {
  /** Marks the value as a table reference. */
  readonly kind: 'portflow.table';
  /** Format version of this reference. */
  readonly version: 1;
  /** The `SELECT` producing the table; `?` placeholders take {@link TableRef.params} in order. */
  readonly sql: string;
  readonly params: readonly SqlValue[];
  /** The files the query reads, each with its fingerprint. */
  readonly sources: readonly TableSource[];
  /** The columns, as DuckDB bound the query when the step ran. */
  readonly columns: readonly TableColumn[];
  /** sha256 (hex) of the SQL, its params and its sources' fingerprints. */
  readonly hash: string;
}

/**
 * Whether `value` is a {@link TableRef}.
 *
 * @example
 * ```ts
 * if (isTableRef(value)) console.log(value.columns.map((c) => c.name));
 * ```
 */
export function isTableRef(value: unknown): value is TableRef {
  const v = value as Partial<TableRef> | null;
  return typeof v === 'object' && v !== null && v.kind === 'portflow.table' && typeof v.sql === 'string' && Array.isArray(v.params) && Array.isArray(v.sources);
}

/**
 * The port type of tables: declare data ports with it.
 *
 * @example
 * ```ts
 * class TopCustomers extends Operation {
 *   @Input(Table) table!: InputPort<TableRef>;
 *   @Output(Array) names!: OutputPort<string[]>;
 *   async execute({ table }: Inputs<TopCustomers>, context: ExecutionContext) {
 *     const rows = await readRows(table, { limit: 3, signal: context.signal });
 *     return { names: rows.map((r) => String(r.name)) };
 *   }
 * }
 * ```
 */
export const Table = guard<TableRef>('Table', isTableRef);

/** Builds a frozen reference and its hash. @internal */
export function tableRef(sql: string, params: readonly SqlValue[], sources: readonly TableSource[], columns: readonly TableColumn[]): TableRef {
  const unique = new Map<string, TableSource>();
  for (const source of sources) unique.set(source.path, Object.freeze({ ...source }));
  const ordered = [...unique.values()];
  const hash = createHash('sha256')
    .update(canonicalJson({ sql, params, sources: ordered }))
    .digest('hex');
  return Object.freeze({
    kind: 'portflow.table',
    version: 1,
    sql,
    params: Object.freeze([...params]),
    sources: Object.freeze(ordered),
    columns: Object.freeze(columns.map((c) => Object.freeze({ name: c.name, type: c.type }))),
    hash,
  });
}
