import { Input, Operation, OperationOptions, Output, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { Component, StepInit, StepSource, WorkflowFile } from '@portflow/workflow';
import { ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsOptional, IsString } from 'class-validator';
import { buildTable, planOver, subquery } from '../data-step';
import { quoteIdentifier } from '../sql-text';
import { Table, type TableRef } from '../table-ref';
import { TableStepParams } from './table-step-params';

/** Params of `sort`. */
export class SortParams extends TableStepParams {
  /** Columns to order by, most significant first. */
  @IsArray() @ArrayNotEmpty() @IsString({ each: true }) by!: string[];
  /** Largest first. */
  @IsOptional() @IsBoolean() descending: boolean = false;
  /** Where rows with nulls go. */
  @IsOptional() @IsIn(['first', 'last']) nulls: 'first' | 'last' = 'last';
}

/**
 * Orders rows by columns.
 *
 * @example
 * ```yaml
 * - name: ranked
 *   operation: sort
 *   depends_on: [aggregate]
 *   params: { by: [amount_sum], descending: true }
 * ```
 */
@Component('sort', { params: SortParams, description: 'Orders rows by columns' })
@OperationOptions({ resource: 'cpu_bound' })
export class Sort extends Operation {
  /** The table this step reads (lazy: nothing is loaded until a sink runs). */
  @Input(Table) input!: InputPort<TableRef>;
  /** The resulting table: a lazy query over the inputs (or a Parquet file with `materialize`). */
  @Output(Table) table!: OutputPort<TableRef>;

  constructor(
    private readonly options: SortParams,
    init: StepInit,
    /** @internal */ readonly workflowFile: WorkflowFile,
    /** @internal */ readonly stepSource: StepSource,
  ) {
    super(init);
  }

  /** Builds (or, for sinks, runs) this step's query. */
  async execute({ input }: Inputs<Sort>, context: ExecutionContext): Promise<Outputs<Sort>> {
    const direction = `${this.options.descending ? 'DESC' : 'ASC'} NULLS ${this.options.nulls.toUpperCase()}`;
    const order = this.options.by.map((column) => `${quoteIdentifier(column)} ${direction}`).join(', ');
    return { table: await buildTable(planOver([input], `SELECT * FROM ${subquery(input, 'input')} ORDER BY ${order}`), this, context, { blame: 'by', materialize: this.options.materialize }) };
  }
}
