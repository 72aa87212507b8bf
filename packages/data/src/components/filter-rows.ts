import { OperationOptions } from '@portflow/core';
import { Component, StepInit, StepSource, WorkflowFile } from '@portflow/workflow';
import { IsNotEmpty, IsString } from 'class-validator';
import { Query, QueryParams } from './query';
import { TableStepParams } from './table-step-params';

/** Params of `filter_rows`: `where` is `query`'s `expr`. */
export class FilterRowsParams extends TableStepParams {
  /** Which rows to keep: a DuckDB SQL condition, e.g. `amount > 100 and region = 'EU'`. */
  @IsString() @IsNotEmpty() where!: string;
}

/**
 * The former name of {@link Query}, kept as an alias: `where` is `expr`.
 * Expressions are DuckDB SQL now: compare with `=` (not `==`), quote text
 * with single quotes.
 *
 * @example
 * ```yaml
 * - name: big_sales
 *   operation: filter_rows
 *   depends_on: [load]
 *   params: { where: "amount > 100" }
 * ```
 */
@Component('filter_rows', { params: FilterRowsParams, description: 'Alias of query (where = expr)' })
@OperationOptions({ resource: 'cpu_bound' })
export class FilterRows extends Query {
  constructor(params: FilterRowsParams, init: StepInit, file: WorkflowFile, source: StepSource) {
    super(Object.assign(new QueryParams(), { expr: params.where, materialize: params.materialize }), init, file, source);
  }

  /** Errors point at `where`. */
  protected override get exprParam(): string {
    return 'where';
  }
}
