import { Operation, OperationOptions, Output, type ExecutionContext, type OutputPort, type Outputs } from '@portflow/core';
import { Component, StepInit, StepSource, WorkflowFile } from '@portflow/workflow';
import { IsIn, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { buildTable } from '../data-step';
import { fingerprint } from '../source-fingerprint';
import { Table, type TableRef } from '../table-ref';
import { TableStepParams } from './table-step-params';

/** Params of `read_json`. */
export class ReadJsonParams extends TableStepParams {
  /** File to read, relative to the workflow file. */
  @IsString() @IsNotEmpty() path!: string;
  /** `array` (one JSON array of objects), `newline_delimited` (one object per line) or `auto`. */
  @IsOptional() @IsIn(['auto', 'array', 'newline_delimited']) format: 'auto' | 'array' | 'newline_delimited' = 'auto';
}

/**
 * Reads a JSON file of objects (an array, or one object per line) as a
 * (lazy) table; DuckDB detects the columns.
 *
 * @example
 * ```yaml
 * - name: load
 *   operation: read_json
 *   params: { path: data/orders.json }
 * ```
 */
@Component('read_json', { params: ReadJsonParams, description: 'Reads a JSON file of objects as a table' })
@OperationOptions({ resource: 'io_bound' })
export class ReadJson extends Operation {
  /** The resulting table: a lazy query over the inputs (or a Parquet file with `materialize`). */
  @Output(Table) table!: OutputPort<TableRef>;
  private readonly path: string;

  constructor(
    private readonly options: ReadJsonParams,
    init: StepInit,
    /** @internal */ readonly workflowFile: WorkflowFile,
    /** @internal */ readonly stepSource: StepSource,
  ) {
    super(init);
    this.path = workflowFile.resolve(options.path);
  }

  /** Builds (or, for sinks, runs) this step's query. */
  async execute(_inputs: unknown, context: ExecutionContext): Promise<Outputs<ReadJson>> {
    const read = await fingerprint(this.path, this.stepSource.describe('path'));
    const plan = { sql: 'SELECT * FROM read_json(?, format = ?)', params: [this.path, this.options.format], sources: [read] };
    return { table: await buildTable(plan, this, context, { blame: 'path', materialize: this.options.materialize }) };
  }
}
