import { Input, Operation, OperationOptions, Output, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { Component, StepInit, StepSource, WorkflowFile } from '@portflow/workflow';
import type { DuckDBValue } from '@duckdb/node-api';
import { withConnection } from '../duckdb-runtime';
import { DataQueryError } from '../errors';
import { verifySources } from '../source-fingerprint';
import { Table, type TableRef } from '../table-ref';

/** Statistics of one column, as `describe` reports them (plain data). */
export interface ColumnSummary {
  /** The column's name. */
  readonly name: string;
  /** DuckDB type, e.g. `BIGINT`, `VARCHAR`. */
  readonly type: string;
  /** Rows where the column is null. */
  readonly nulls: number;
  /** Approximate number of distinct values. */
  readonly distinct: number;
  /** Smallest and largest value, as text (null for an empty table). */
  readonly min: string | null;
  /** See `min`. */
  readonly max: string | null;
  /** Mean of a numeric column, else null. */
  readonly mean: number | null;
}

/** What `describe` outputs: the row count and a summary per column. */
export interface TableSummary {
  /** Number of rows. */
  readonly rows: number;
  /** One summary per column, in table order. */
  readonly columns: readonly ColumnSummary[];
}

/**
 * Runs the table's query once and outputs its row count, schema and basic
 * statistics per column (nulls, approximate distinct count, min, max,
 * mean) as plain data ({@link TableSummary}): for logs, checks and reports.
 *
 * @example
 * ```yaml
 * - name: profile
 *   operation: describe
 *   depends_on: [load]
 * ```
 */
@Component('describe', { description: 'Row count, schema and basic statistics of a table' })
@OperationOptions({ resource: 'cpu_bound' })
export class Describe extends Operation {
  /** The table this step reads (lazy: nothing is loaded until a sink runs). */
  @Input(Table) input!: InputPort<TableRef>;
  /** Row count and per-column statistics. */
  @Output(Object) summary!: OutputPort<TableSummary>;

  constructor(
    init: StepInit,
    /** @internal */ readonly workflowFile: WorkflowFile,
    /** @internal */ readonly stepSource: StepSource,
  ) {
    super(init);
  }

  /** Builds (or, for sinks, runs) this step's query. */
  async execute({ input }: Inputs<Describe>, context: ExecutionContext): Promise<Outputs<Describe>> {
    const where = this.stepSource.describe();
    await verifySources(input, where);
    const rows = await withConnection(context.signal, async (connection) => {
      try {
        return (await connection.runAndReadAll(`SUMMARIZE ${input.sql}`, [...input.params] as DuckDBValue[])).getRowObjectsJson();
      } catch (error) {
        throw new DataQueryError(`${where}: ${(error as Error).message}`, { cause: error });
      }
    });
    const count = rows.length === 0 ? 0 : Number(rows[0]!.count);
    const columns = rows.map((row): ColumnSummary => {
      const rowCount = Number(row.count);
      return {
        name: String(row.column_name),
        type: String(row.column_type),
        nulls: Math.round((Number(row.null_percentage) / 100) * rowCount),
        distinct: Number(row.approx_unique),
        min: row.min === null ? null : String(row.min),
        max: row.max === null ? null : String(row.max),
        mean: row.avg === null || row.avg === undefined ? null : Number(row.avg),
      };
    });
    return { summary: { rows: count, columns } };
  }
}
