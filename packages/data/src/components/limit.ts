import { Input, Operation, OperationOptions, Output, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { Component, StepInit, StepSource, WorkflowFile } from '@portflow/workflow';
import { IsInt, IsOptional, Min } from 'class-validator';
import { buildTable, planOver, subquery } from '../data-step';
import { Table, type TableRef } from '../table-ref';
import { TableStepParams } from './table-step-params';

/** Params of `limit`. */
export class LimitParams extends TableStepParams {
  /** At most this many rows. */
  @IsInt() @Min(0) n!: number;
  /** Rows to skip first. */
  @IsOptional() @IsInt() @Min(0) offset: number = 0;
}

/**
 * Keeps the first `n` rows (after skipping `offset`), in the input's order:
 * sort first for a top-n.
 *
 * @example
 * ```yaml
 * - name: top10
 *   operation: limit
 *   depends_on: [ranked]
 *   params: { n: 10 }
 * ```
 */
@Component('limit', { params: LimitParams, description: 'Keeps the first n rows' })
@OperationOptions({ resource: 'cpu_bound' })
export class Limit extends Operation {
  /** The table this step reads (lazy: nothing is loaded until a sink runs). */
  @Input(Table) input!: InputPort<TableRef>;
  /** The resulting table: a lazy query over the inputs (or a Parquet file with `materialize`). */
  @Output(Table) table!: OutputPort<TableRef>;

  constructor(
    private readonly options: LimitParams,
    init: StepInit,
    /** @internal */ readonly workflowFile: WorkflowFile,
    /** @internal */ readonly stepSource: StepSource,
  ) {
    super(init);
  }

  /** Builds (or, for sinks, runs) this step's query. */
  async execute({ input }: Inputs<Limit>, context: ExecutionContext): Promise<Outputs<Limit>> {
    // Validated integers: written as numbers, not bound (LIMIT takes a constant).
    const sql = `SELECT * FROM ${subquery(input, 'input')} LIMIT ${this.options.n} OFFSET ${this.options.offset}`;
    return { table: await buildTable(planOver([input], sql), this, context, { blame: 'n', materialize: this.options.materialize }) };
  }
}
