import { Input, Operation, OperationOptions, Output, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { IsString, Validate, ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import { Component } from '../decorators/component';
import { StepInit } from '../step-init';
import { compileRowExpression, RowExpressionError } from './row-expression';
import type { Row } from './row';

@ValidatorConstraint({ name: 'rowExpression' })
class RowExpressionConstraint implements ValidatorConstraintInterface {
  private error = '';
  validate(value: unknown): boolean {
    if (typeof value !== 'string') return true; // @IsString reports it
    try {
      compileRowExpression(value);
      return true;
    } catch (error) {
      this.error = error instanceof RowExpressionError ? error.message : String(error);
      return false;
    }
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} is not a valid row expression: ${this.error}`;
  }
}

/** Params of `filter_rows`. */
export class FilterRowsParams {
  /** Which rows to keep, e.g. `amount > 100 and region == 'EU'`. */
  @IsString() @Validate(RowExpressionConstraint) where!: string;
}

/**
 * Keeps the rows for which `where` holds. The expression compares columns
 * with literals (`== != > >= < <=`) and combines with `and`, `or`, `not`.
 *
 * @example
 * ```yaml
 * - name: big_sales
 *   operation: filter_rows
 *   depends_on: [load]
 *   params: { where: "amount > 100" }
 * ```
 */
@Component('filter_rows', { params: FilterRowsParams, description: 'Keeps the rows matching an expression' })
@OperationOptions({ resource: 'cpu_bound' })
export class FilterRows extends Operation {
  @Input(Array) rows!: InputPort<Row[]>;
  @Output(Array) kept!: OutputPort<Row[]>;
  private readonly predicate: (row: Row) => boolean;

  constructor(params: FilterRowsParams, init: StepInit) {
    super(init);
    this.predicate = compileRowExpression(params.where);
  }

  execute({ rows }: Inputs<FilterRows>): Outputs<FilterRows> {
    return { kept: rows.filter(this.predicate) };
  }
}
