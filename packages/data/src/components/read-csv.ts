import { Operation, OperationOptions, Output, type ExecutionContext, type OutputPort, type Outputs } from '@portflow/core';
import { Component, StepInit, StepSource, WorkflowFile } from '@portflow/workflow';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { readCsvCall, sniffCsv } from '../csv-dialect';
import { buildTable } from '../data-step';
import { withConnection } from '../duckdb-runtime';
import { DataQueryError } from '../errors';
import { fingerprint } from '../source-fingerprint';
import { Table, type TableRef } from '../table-ref';
import { TableStepParams } from './table-step-params';

/** Params of `read_csv`. */
export class ReadCsvParams extends TableStepParams {
  /** File to read, relative to the workflow file. */
  @IsString() @IsNotEmpty() path!: string;
  /** Column separator. */
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(4) delimiter: string = ',';
  /** Whether the first line names the columns (else they are column0, column1...). */
  @IsOptional() @IsBoolean() header: boolean = true;
  /** Whether DuckDB detects column types (else every column is text). */
  @IsOptional() @IsBoolean() infer_types: boolean = true;
}

/**
 * Reads a CSV file as a table. Nothing is loaded yet: the table is a query
 * over the file that later steps extend, checked when this step runs (the
 * file must exist; DuckDB detects the columns).
 *
 * @example
 * ```yaml
 * - name: load
 *   operation: read_csv
 *   params: { path: data/sales.csv }
 * ```
 */
@Component('read_csv', { params: ReadCsvParams, description: 'Reads a CSV file as a table' })
@OperationOptions({ resource: 'io_bound' })
export class ReadCsv extends Operation {
  /** The resulting table: a lazy query over the inputs (or a Parquet file with `materialize`). */
  @Output(Table) table!: OutputPort<TableRef>;
  private readonly path: string;

  constructor(
    private readonly options: ReadCsvParams,
    init: StepInit,
    /** @internal */ readonly workflowFile: WorkflowFile,
    /** @internal */ readonly stepSource: StepSource,
  ) {
    super(init);
    this.path = workflowFile.resolve(options.path);
  }

  /** Builds (or, for sinks, runs) this step's query. */
  async execute(_inputs: unknown, context: ExecutionContext): Promise<Outputs<ReadCsv>> {
    const where = this.stepSource.describe('path');
    const read = await fingerprint(this.path, where);
    const o = this.options;
    // Sniffed once here; the query names what was found, so later steps do not sniff the file again.
    const dialect = await withConnection(context.signal, (connection) =>
      sniffCsv(connection, this.path, { header: o.header, delimiter: o.delimiter, allVarchar: !o.infer_types }).catch((error: unknown) => {
        throw new DataQueryError(`${where}: ${(error as Error).message}`, { cause: error });
      }),
    );
    const call = readCsvCall(this.path, dialect);
    const plan = { sql: `SELECT * FROM ${call.sql}`, params: call.params, sources: [read] };
    return { table: await buildTable(plan, this, context, { blame: 'path', materialize: o.materialize }) };
  }
}
