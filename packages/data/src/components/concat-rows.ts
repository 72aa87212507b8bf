import { DynamicOperation, OperationOptions, Output, type ExecutionContext, type OutputPort } from '@portflow/core';
import { Component, StepInit, StepSource, StepWiring, WorkflowFile } from '@portflow/workflow';
import { buildTable, planOver } from '../data-step';
import { DataQueryError } from '../errors';
import { Table, type TableRef } from '../table-ref';
import { TableInputs } from './table-inputs';
import { TableStepParams } from './table-step-params';

/**
 * Stacks tables (SQL `UNION ALL BY NAME`): columns are matched by name, a
 * column missing from one input is null in its rows. Inputs are the ones the
 * workflow wires: in the tasks form each `inputs` key; in the pipeline form
 * every `depends_on` step, in order.
 *
 * @example
 * ```yaml
 * - name: all_regions
 *   component_name: concat_rows
 *   inputs: { north: north_rows, south: south_rows }
 *   outputs: [all_rows]
 * ```
 */
@Component('concat_rows', { params: TableStepParams, description: 'Stacks tables, matching columns by name' })
@OperationOptions({ resource: 'cpu_bound' })
export class ConcatRows extends DynamicOperation {
  /** The resulting table: a lazy query over the inputs (or a Parquet file with `materialize`). */
  @Output(Table) table!: OutputPort<TableRef>;
  private readonly inputs: TableInputs;

  constructor(
    private readonly options: TableStepParams,
    init: StepInit,
    wiring: StepWiring,
    /** @internal */ readonly workflowFile: WorkflowFile,
    /** @internal */ readonly stepSource: StepSource,
  ) {
    super(init);
    this.inputs = new TableInputs(wiring, (name, collect) => this.addInputPort(name, { type: Table, collect }));
  }

  /** Builds (or, for sinks, runs) this step's query. */
  async execute(inputs: Record<string, unknown>, context: ExecutionContext): Promise<Record<string, unknown>> {
    const tables = this.inputs.tables(inputs);
    if (tables.length === 0) throw new DataQueryError(`${this.stepSource.describe()}: concat_rows needs at least one input table`);
    const sql = tables.map((t) => `SELECT * FROM (${t.sql})`).join(' UNION ALL BY NAME ');
    return { table: await buildTable(planOver(tables, sql), this, context, { materialize: this.options.materialize }) };
  }
}
