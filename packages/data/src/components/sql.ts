import { DynamicOperation, OperationOptions, Output, type ExecutionContext, type OutputPort } from '@portflow/core';
import { Component, StepInit, StepSource, StepWiring, WorkflowFile } from '@portflow/workflow';
import { IsNotEmpty, IsString } from 'class-validator';
import { buildTable, planOver } from '../data-step';
import { quoteIdentifier } from '../sql-text';
import { Table, type TableRef } from '../table-ref';
import { TableInputs } from './table-inputs';
import { TableStepParams } from './table-step-params';

/** Params of `sql`. */
export class SqlParams extends TableStepParams {
  /** One DuckDB `SELECT` statement over the step's inputs, which it names as tables. */
  @IsString() @IsNotEmpty() sql!: string;
}

/**
 * Runs one `SELECT` statement over the step's inputs, each a table named
 * after its input (tasks form: the `inputs` keys) or, in the pipeline form,
 * after the `depends_on` step that made it. The statement may read only
 * those tables (and its own `WITH` tables): no table functions, files,
 * `ATTACH`, `COPY`, `SET` or anything but `SELECT`.
 *
 * @example
 * ```yaml
 * - name: features
 *   component_name: sql
 *   inputs: { customers: raw_customers, orders: raw_orders }
 *   params:
 *     sql: |
 *       SELECT c.id, count(o.id) AS orders
 *       FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
 *       GROUP BY c.id
 *   outputs: [features]
 * ```
 */
@Component('sql', { params: SqlParams, description: 'Runs one SELECT over named input tables' })
@OperationOptions({ resource: 'cpu_bound' })
export class Sql extends DynamicOperation {
  /** The resulting table: a lazy query over the inputs (or a Parquet file with `materialize`). */
  @Output(Table) table!: OutputPort<TableRef>;
  private readonly inputs: TableInputs;

  constructor(
    private readonly options: SqlParams,
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
    const names = this.inputs.names;
    const ctes = tables.map((table, i) => `${quoteIdentifier(names[i]!)} AS (${table.sql})`);
    const text = this.options.sql.trim().replace(/;\s*$/, '');
    const sql = `${ctes.length > 0 ? `WITH ${ctes.join(', ')} ` : ''}SELECT * FROM (\n${text}\n) AS "sql"`;
    const user = { text, tables: names, param: 'sql' };
    return { table: await buildTable(planOver(tables, sql), this, context, { user, materialize: this.options.materialize }) };
  }
}
