import { Input, Operation, OperationOptions, Output, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { Component, StepInit, StepSource, WorkflowFile } from '@portflow/workflow';
import { ArrayNotEmpty, IsArray, IsOptional, IsString } from 'class-validator';
import { buildTable, planOver, subquery } from '../data-step';
import { quoteIdentifier } from '../sql-text';
import { Table, type TableRef } from '../table-ref';
import { TableStepParams } from './table-step-params';

/** Params of `distinct`. */
export class DistinctParams extends TableStepParams {
  /** Keep one row per distinct combination of these columns (default: of all columns). */
  @IsOptional() @IsArray() @ArrayNotEmpty() @IsString({ each: true }) columns?: string[];
}

/**
 * Removes duplicate rows: rows equal in every column, or in `columns` (then
 * one row per combination is kept, with all its columns).
 *
 * @example
 * ```yaml
 * - name: customers
 *   operation: distinct
 *   depends_on: [orders]
 *   params: { columns: [customer_id] }
 * ```
 */
@Component('distinct', { params: DistinctParams, description: 'Removes duplicate rows' })
@OperationOptions({ resource: 'cpu_bound' })
export class Distinct extends Operation {
  /** The table this step reads (lazy: nothing is loaded until a sink runs). */
  @Input(Table) input!: InputPort<TableRef>;
  /** The resulting table: a lazy query over the inputs (or a Parquet file with `materialize`). */
  @Output(Table) table!: OutputPort<TableRef>;

  constructor(
    private readonly options: DistinctParams,
    init: StepInit,
    /** @internal */ readonly workflowFile: WorkflowFile,
    /** @internal */ readonly stepSource: StepSource,
  ) {
    super(init);
  }

  /** Builds (or, for sinks, runs) this step's query. */
  async execute({ input }: Inputs<Distinct>, context: ExecutionContext): Promise<Outputs<Distinct>> {
    const on = this.options.columns === undefined ? '' : ` ON (${this.options.columns.map(quoteIdentifier).join(', ')})`;
    const sql = `SELECT DISTINCT${on} * FROM ${subquery(input, 'input')}`;
    return { table: await buildTable(planOver([input], sql), this, context, { blame: 'columns', materialize: this.options.materialize }) };
  }
}
