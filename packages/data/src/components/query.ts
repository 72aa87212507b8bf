import { Input, Operation, OperationOptions, Output, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { Component, StepInit, StepSource, WorkflowFile } from '@portflow/workflow';
import { IsNotEmpty, IsString } from 'class-validator';
import { buildTable, planOver, subquery } from '../data-step';
import { Table, type TableRef } from '../table-ref';
import { TableStepParams } from './table-step-params';

/** Params of `query`. */
export class QueryParams extends TableStepParams {
  /** Which rows to keep: a DuckDB SQL condition over the columns, e.g. `value > 100 and region = 'EU'`. */
  @IsString() @IsNotEmpty() expr!: string;
}

/**
 * Keeps the rows for which `expr` holds. `expr` is a DuckDB SQL condition
 * (`amount > 100 AND region IN ('EU', 'UK')`, `name ILIKE 'a%'`); it may
 * read only this step's input (no table functions, files or other tables).
 * A bad expression fails this step with DuckDB's message and the position
 * of `expr` in the workflow.
 *
 * @example
 * ```yaml
 * - name: transform
 *   operation: query
 *   depends_on: [load_data]
 *   params: { expr: "value > 100" }
 * ```
 */
@Component('query', { params: QueryParams, description: 'Keeps the rows matching a SQL condition' })
@OperationOptions({ resource: 'cpu_bound' })
export class Query extends Operation {
  /** The table this step reads (lazy: nothing is loaded until a sink runs). */
  @Input(Table) input!: InputPort<TableRef>;
  /** The resulting table: a lazy query over the inputs (or a Parquet file with `materialize`). */
  @Output(Table) table!: OutputPort<TableRef>;

  constructor(
    private readonly options: QueryParams,
    init: StepInit,
    /** @internal */ readonly workflowFile: WorkflowFile,
    /** @internal */ readonly stepSource: StepSource,
  ) {
    super(init);
  }

  /** The param the condition came from, for error positions. */
  protected get exprParam(): string {
    return 'expr';
  }

  /** Builds (or, for sinks, runs) this step's query. */
  async execute({ input }: Inputs<Query>, context: ExecutionContext): Promise<Outputs<Query>> {
    const expr = this.options.expr;
    const plan = planOver([input], `SELECT * FROM ${subquery(input, 'input')} WHERE (\n${expr}\n)`);
    const user = { text: `SELECT * FROM "input" WHERE (\n${expr}\n)`, tables: ['input'], param: this.exprParam };
    return { table: await buildTable(plan, this, context, { user, materialize: this.options.materialize }) };
  }
}
