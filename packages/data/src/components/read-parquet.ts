import { Operation, OperationOptions, Output, type ExecutionContext, type OutputPort, type Outputs } from '@portflow/core';
import { Component, StepInit, StepSource, WorkflowFile } from '@portflow/workflow';
import { IsNotEmpty, IsString } from 'class-validator';
import { buildTable } from '../data-step';
import { fingerprint } from '../source-fingerprint';
import { Table, type TableRef } from '../table-ref';
import { TableStepParams } from './table-step-params';

/** Params of `read_parquet`. */
export class ReadParquetParams extends TableStepParams {
  /** File to read, relative to the workflow file. */
  @IsString() @IsNotEmpty() path!: string;
}

/**
 * Reads a Parquet file as a (lazy) table.
 *
 * @example
 * ```yaml
 * - name: load
 *   operation: read_parquet
 *   params: { path: data/events.parquet }
 * ```
 */
@Component('read_parquet', { params: ReadParquetParams, description: 'Reads a Parquet file as a table' })
@OperationOptions({ resource: 'io_bound' })
export class ReadParquet extends Operation {
  /** The resulting table: a lazy query over the inputs (or a Parquet file with `materialize`). */
  @Output(Table) table!: OutputPort<TableRef>;
  private readonly path: string;

  constructor(
    private readonly options: ReadParquetParams,
    init: StepInit,
    /** @internal */ readonly workflowFile: WorkflowFile,
    /** @internal */ readonly stepSource: StepSource,
  ) {
    super(init);
    this.path = workflowFile.resolve(options.path);
  }

  /** Builds (or, for sinks, runs) this step's query. */
  async execute(_inputs: unknown, context: ExecutionContext): Promise<Outputs<ReadParquet>> {
    const read = await fingerprint(this.path, this.stepSource.describe('path'));
    const plan = { sql: 'SELECT * FROM read_parquet(?)', params: [this.path], sources: [read] };
    return { table: await buildTable(plan, this, context, { blame: 'path', materialize: this.options.materialize }) };
  }
}
