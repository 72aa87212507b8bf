import { Input, Operation, OperationOptions, Output, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { ArrayNotEmpty, IsArray, IsOptional, IsString, Validate, ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import { Component } from '../decorators/component';
import { StepInit } from '../step-init';
import type { Row } from './row';

/** Aggregate functions of `group_by`. */
export const AGGREGATES = ['sum', 'mean', 'min', 'max', 'count', 'first', 'last'] as const;
/** One of {@link AGGREGATES}. */
export type Aggregate = (typeof AGGREGATES)[number];

@ValidatorConstraint({ name: 'aggregations' })
class AggregationsConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    return Object.values(value).every((fns) => (Array.isArray(fns) ? fns : [fns]).every((f) => (AGGREGATES as readonly unknown[]).includes(f)) && (!Array.isArray(fns) || fns.length > 0));
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must map columns to functions (${AGGREGATES.join(', ')}), e.g. { amount: [sum, mean] }`;
  }
}

/** Params of `group_by`. */
export class GroupByParams {
  /** Columns to group by. */
  @IsArray({ message: 'by must be a list of column names, e.g. [category]' })
  @ArrayNotEmpty({ message: 'by must name at least one column, e.g. [category]' })
  @IsString({ each: true, message: 'each entry of by must be a column name' })
  by!: string[];
  /** Column to function(s); output columns are `<column>_<function>`. Default: a `count` column. */
  @IsOptional() @Validate(AggregationsConstraint) agg?: Record<string, Aggregate | Aggregate[]>;
}

/**
 * Groups rows by columns and aggregates others: one output row per group,
 * with the group columns and `<column>_<function>` for each aggregate.
 *
 * @example
 * ```yaml
 * - name: by_region
 *   operation: group_by
 *   depends_on: [load]
 *   params: { by: [region], agg: { amount: [sum, mean] } }
 * ```
 */
@Component('group_by', { params: GroupByParams, description: 'Groups rows and aggregates columns (sum, mean, min, max, count, first, last)' })
@OperationOptions({ resource: 'cpu_bound' })
export class GroupBy extends Operation {
  @Input(Array) rows!: InputPort<Row[]>;
  @Output(Array) groups!: OutputPort<Row[]>;

  constructor(
    private readonly options: GroupByParams,
    init: StepInit,
  ) {
    super(init);
  }

  execute({ rows }: Inputs<GroupBy>): Outputs<GroupBy> {
    const aggregates = Object.entries(this.options.agg ?? {}).flatMap(([column, fns]) => (Array.isArray(fns) ? fns : [fns]).map((fn) => ({ column, fn })));
    const groups = new Map<string, Row[]>();
    for (const row of rows) {
      const key = JSON.stringify(this.options.by.map((c) => row[c] ?? null));
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [row]);
      else group.push(row);
    }
    const out: Row[] = [];
    for (const members of groups.values()) {
      const result: Row = {};
      for (const column of this.options.by) result[column] = members[0]![column] ?? null;
      if (aggregates.length === 0) result.count = members.length;
      for (const { column, fn } of aggregates) result[`${column}_${fn}`] = aggregate(fn, members.map((m) => m[column]));
      out.push(result);
    }
    return { groups: out };
  }
}

function aggregate(fn: Aggregate, values: unknown[]): unknown {
  const numbers = values.filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
  switch (fn) {
    case 'count':
      return values.filter((v) => v !== null && v !== undefined && v !== '').length;
    case 'first':
      return values[0] ?? null;
    case 'last':
      return values[values.length - 1] ?? null;
    case 'sum':
      return round(numbers.reduce((a, b) => a + b, 0));
    case 'mean':
      return numbers.length === 0 ? null : round(numbers.reduce((a, b) => a + b, 0) / numbers.length);
    case 'min':
      return numbers.length === 0 ? null : Math.min(...numbers);
    case 'max':
      return numbers.length === 0 ? null : Math.max(...numbers);
  }
}

/** Rounds away floating-point noise (0.1 + 0.2 -> 0.3). */
function round(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}
