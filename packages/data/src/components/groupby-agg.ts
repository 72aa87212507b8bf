import { Input, Operation, OperationOptions, Output, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { Component, StepInit, StepSource, WorkflowFile } from '@portflow/workflow';
import { ArrayNotEmpty, IsArray, IsOptional, IsString, Validate, ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import { buildTable, planOver, subquery } from '../data-step';
import { quoteIdentifier } from '../sql-text';
import { Table, type TableRef } from '../table-ref';
import { TableStepParams } from './table-step-params';

/** Aggregates `groupby_agg` computes per group, and the DuckDB function each one is. */
export const AGGREGATES = Object.freeze({
  sum: 'sum',
  mean: 'avg',
  avg: 'avg',
  min: 'min',
  max: 'max',
  count: 'count',
  count_distinct: 'count_distinct',
  median: 'median',
  std: 'stddev_samp',
  var: 'var_samp',
  first: 'first',
  last: 'last',
  any: 'any_value',
} as const);

/** The name of an aggregate of {@link AGGREGATES}. */
export type Aggregate = keyof typeof AGGREGATES;

@ValidatorConstraint({ name: 'aggregates' })
class AggregatesConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    return Object.values(value).every((fns) => (Array.isArray(fns) ? fns : [fns]).every((fn) => typeof fn === 'string' && Object.prototype.hasOwnProperty.call(AGGREGATES, fn)));
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must map columns to aggregates (${Object.keys(AGGREGATES).join(', ')}), e.g. { amount: [sum, mean] }`;
  }
}

@ValidatorConstraint({ name: 'columnList' })
class ColumnListConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return Array.isArray(value);
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be a list of column names, e.g. [category]`;
  }
}

/** Params of `groupby_agg`. */
export class GroupByAggParams extends TableStepParams {
  /** Columns whose values form the groups. */
  @Validate(ColumnListConstraint) @IsArray() @ArrayNotEmpty() @IsString({ each: true }) by!: string[];
  /** Per column, one aggregate or a list: `{ amount: [sum, mean], id: count }`. Without it, each group's row count (`count`). */
  @IsOptional() @Validate(AggregatesConstraint) agg: Record<string, Aggregate | Aggregate[]> = {};
}

/**
 * Groups rows by `by` and aggregates columns per group. Output columns are
 * the group columns, then `<column>_<aggregate>` per aggregate asked for
 * (`amount_sum`, `amount_mean`), or `count` when `agg` is empty; rows are
 * ordered by the group columns.
 *
 * @example
 * ```yaml
 * - name: aggregate
 *   operation: groupby_agg
 *   depends_on: [transform]
 *   params:
 *     by: [category]
 *     agg: { amount: [sum, mean] }
 * ```
 */
@Component('groupby_agg', { params: GroupByAggParams, description: 'Aggregates columns per group' })
@OperationOptions({ resource: 'cpu_bound' })
export class GroupByAgg extends Operation {
  /** The table this step reads (lazy: nothing is loaded until a sink runs). */
  @Input(Table) input!: InputPort<TableRef>;
  /** The resulting table: a lazy query over the inputs (or a Parquet file with `materialize`). */
  @Output(Table) table!: OutputPort<TableRef>;

  constructor(
    private readonly options: GroupByAggParams,
    init: StepInit,
    /** @internal */ readonly workflowFile: WorkflowFile,
    /** @internal */ readonly stepSource: StepSource,
  ) {
    super(init);
  }

  /** Builds (or, for sinks, runs) this step's query. */
  async execute({ input }: Inputs<GroupByAgg>, context: ExecutionContext): Promise<Outputs<GroupByAgg>> {
    const keys = this.options.by.map(quoteIdentifier);
    const aggregates = Object.entries(this.options.agg).flatMap(([column, fns]) =>
      (Array.isArray(fns) ? fns : [fns]).map((fn) => {
        const call = fn === 'count_distinct' ? `count(DISTINCT ${quoteIdentifier(column)})` : `${AGGREGATES[fn]}(${quoteIdentifier(column)})`;
        return `${call} AS ${quoteIdentifier(`${column}_${fn}`)}`;
      }),
    );
    if (aggregates.length === 0) aggregates.push('count(*) AS "count"');
    const sql = `SELECT ${[...keys, ...aggregates].join(', ')} FROM ${subquery(input, 'input')} GROUP BY ${keys.join(', ')} ORDER BY ${keys.join(', ')}`;
    return { table: await buildTable(planOver([input], sql), this, context, { blame: 'agg', materialize: this.options.materialize }) };
  }
}
