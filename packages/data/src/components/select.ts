import { Input, Operation, OperationOptions, Output, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { Component, StepInit, StepSource, WorkflowFile } from '@portflow/workflow';
import { ArrayNotEmpty, IsArray, Validate, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { buildTable, planOver, subquery } from '../data-step';
import { quoteIdentifier } from '../sql-text';
import { Table, type TableRef } from '../table-ref';
import { TableStepParams } from './table-step-params';

/** A column to keep (its name) or to compute (`{ name: expression }`). */
export type SelectColumn = string | Readonly<Record<string, string>>;

@ValidatorConstraint({ name: 'selectColumns' })
class SelectColumnsConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return (
      Array.isArray(value) &&
      value.every(
        (c) =>
          (typeof c === 'string' && c !== '') ||
          (c !== null && typeof c === 'object' && !Array.isArray(c) && Object.keys(c).length > 0 && Object.entries(c).every(([k, v]) => k !== '' && typeof v === 'string' && v.trim() !== '')),
      )
    );
  }
  defaultMessage(): string {
    return 'columns must be a list of column names and { name: expression } entries, e.g. [region, { total: "price * quantity" }]';
  }
}

/** Params of `select`. */
export class SelectParams extends TableStepParams {
  /** Columns in output order: names to keep, `{ name: expression }` to compute (DuckDB SQL over the input's columns). */
  @IsArray() @ArrayNotEmpty() @Validate(SelectColumnsConstraint) columns!: SelectColumn[];
}

/**
 * Keeps, renames and computes columns. Each entry of `columns` is a column
 * name to keep or `{ name: expression }` to compute (`{ total: "price *
 * quantity" }`, `{ region: "upper(region)" }`).
 *
 * @example
 * ```yaml
 * - name: shape
 *   operation: select
 *   depends_on: [load]
 *   params:
 *     columns: [category, { amount_eur: "amount * 0.92" }]
 * ```
 */
@Component('select', { params: SelectParams, description: 'Keeps and computes columns' })
@OperationOptions({ resource: 'cpu_bound' })
export class Select extends Operation {
  /** The table this step reads (lazy: nothing is loaded until a sink runs). */
  @Input(Table) input!: InputPort<TableRef>;
  /** The resulting table: a lazy query over the inputs (or a Parquet file with `materialize`). */
  @Output(Table) table!: OutputPort<TableRef>;

  constructor(
    private readonly options: SelectParams,
    init: StepInit,
    /** @internal */ readonly workflowFile: WorkflowFile,
    /** @internal */ readonly stepSource: StepSource,
  ) {
    super(init);
  }

  /** Builds (or, for sinks, runs) this step's query. */
  async execute({ input }: Inputs<Select>, context: ExecutionContext): Promise<Outputs<Select>> {
    const list = this.options.columns.flatMap((column) =>
      typeof column === 'string' ? [quoteIdentifier(column)] : Object.entries(column).map(([name, expr]) => `(\n${expr}\n) AS ${quoteIdentifier(name)}`),
    );
    const plan = planOver([input], `SELECT ${list.join(', ')} FROM ${subquery(input, 'input')}`);
    const user = { text: `SELECT ${list.join(', ')} FROM "input"`, tables: ['input'], param: 'columns' };
    return { table: await buildTable(plan, this, context, { user, materialize: this.options.materialize }) };
  }
}
