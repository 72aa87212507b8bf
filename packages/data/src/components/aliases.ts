import { OperationOptions } from '@portflow/core';
import { Component, StepInit, StepSource, WorkflowFile } from '@portflow/workflow';
import { GroupByAgg, GroupByAggParams } from './groupby-agg';
import { ToCsv, ToCsvParams } from './to-csv';
import { ToJson, ToJsonParams } from './to-json';

/**
 * The former name of {@link ToCsv}, kept as an alias with the same params.
 *
 * @example
 * ```yaml
 * - name: save
 *   operation: write_csv
 *   depends_on: [aggregate]
 *   params: { path: out/summary.csv }
 * ```
 */
@Component('write_csv', { params: ToCsvParams, description: 'Alias of to_csv' })
@OperationOptions({ resource: 'io_bound' })
export class WriteCsv extends ToCsv {
  constructor(params: ToCsvParams, init: StepInit, workflowFile: WorkflowFile, stepSource: StepSource) {
    super(params, init, workflowFile, stepSource);
  }
}

/**
 * The former name of {@link ToJson}, kept as an alias with the same params.
 * It writes tables now; write other values with a component of your own.
 *
 * @example
 * ```yaml
 * - name: save
 *   operation: write_json
 *   depends_on: [aggregate]
 *   params: { path: out/summary.json }
 * ```
 */
@Component('write_json', { params: ToJsonParams, description: 'Alias of to_json' })
@OperationOptions({ resource: 'io_bound' })
export class WriteJson extends ToJson {
  constructor(params: ToJsonParams, init: StepInit, workflowFile: WorkflowFile, stepSource: StepSource) {
    super(params, init, workflowFile, stepSource);
  }
}

/**
 * The former name of {@link GroupByAgg}, kept as an alias with the same params.
 *
 * @example
 * ```yaml
 * - name: summarise
 *   operation: group_by
 *   depends_on: [load]
 *   params: { by: [region], agg: { amount: sum } }
 * ```
 */
@Component('group_by', { params: GroupByAggParams, description: 'Alias of groupby_agg' })
@OperationOptions({ resource: 'cpu_bound' })
export class GroupBy extends GroupByAgg {
  constructor(params: GroupByAggParams, init: StepInit, file: WorkflowFile, source: StepSource) {
    super(params, init, file, source);
  }
}
