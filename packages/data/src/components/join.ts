import { DynamicOperation, OperationOptions, Output, type ExecutionContext, type OutputPort } from '@portflow/core';
import { Component, StepInit, StepSource, StepWiring, WorkflowFile } from '@portflow/workflow';
import { ArrayNotEmpty, IsArray, IsIn, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { buildTable, planOver, subquery } from '../data-step';
import { DataQueryError } from '../errors';
import { quoteIdentifier } from '../sql-text';
import { Table, type TableRef } from '../table-ref';
import { TableInputs } from './table-inputs';
import { TableStepParams } from './table-step-params';

/** Kinds of join `join` does. */
export const JOIN_KINDS = Object.freeze(['inner', 'left', 'right', 'full', 'semi', 'anti', 'cross'] as const);

/** Params of `join`. */
export class JoinParams extends TableStepParams {
  /** Columns both tables have, matched by equality (SQL `USING`); their values appear once in the output. */
  @IsOptional() @IsArray() @ArrayNotEmpty() @IsString({ each: true }) using?: string[];
  /** A SQL condition naming the two inputs as tables, e.g. `customers.id = orders.customer_id`. */
  @IsOptional() @IsString() @IsNotEmpty() on?: string;
  /** `inner` (default), `left`, `right`, `full`, `semi` (left rows with a match), `anti` (without one) or `cross`. */
  @IsOptional() @IsIn(JOIN_KINDS) how: (typeof JOIN_KINDS)[number] = 'inner';
}

/**
 * Joins two tables. Give `using` (shared column names) or `on` (a condition
 * that names the inputs as tables), and `how`. The left table is the first
 * input: in the tasks form, the first `inputs` entry (or the one named
 * `left`); in the pipeline form, the first `depends_on` step; the inputs are
 * named after those keys or steps.
 *
 * @example
 * ```yaml
 * - name: enriched
 *   component_name: join
 *   inputs: { orders: raw_orders, customers: raw_customers }
 *   params: { using: [customer_id], how: left }
 *   outputs: [enriched]
 * ```
 */
@Component('join', { params: JoinParams, description: 'Joins two tables (using columns or on a condition)' })
@OperationOptions({ resource: 'cpu_bound' })
export class Join extends DynamicOperation {
  /** The resulting table: a lazy query over the inputs (or a Parquet file with `materialize`). */
  @Output(Table) table!: OutputPort<TableRef>;
  private readonly inputs: TableInputs;

  constructor(
    private readonly options: JoinParams,
    init: StepInit,
    wiring: StepWiring,
    /** @internal */ readonly workflowFile: WorkflowFile,
    /** @internal */ readonly stepSource: StepSource,
  ) {
    super(init);
    const given = [options.using !== undefined, options.on !== undefined].filter(Boolean).length;
    if (options.how === 'cross' ? given !== 0 : given !== 1) {
      throw new TypeError(options.how === 'cross' ? "a cross join takes neither 'using' nor 'on'" : "give exactly one of 'using' (column names) or 'on' (a condition)");
    }
    this.inputs = new TableInputs(wiring, (name, collect) => this.addInputPort(name, { type: Table, collect }));
  }

  /** Builds (or, for sinks, runs) this step's query. */
  async execute(inputs: Record<string, unknown>, context: ExecutionContext): Promise<Record<string, unknown>> {
    const tables = this.inputs.tables(inputs);
    let names = [...this.inputs.names];
    if (tables.length !== 2 || names.length !== 2) {
      throw new DataQueryError(`${this.stepSource.describe()}: join needs exactly two input tables, got ${tables.length}`);
    }
    if (names[0] === 'right' && names[1] === 'left') {
      tables.reverse();
      names = names.reverse();
    }
    const [left, right] = tables as [TableRef, TableRef];
    const [l, r] = names as [string, string];
    const kind = `${this.options.how.toUpperCase()} JOIN`;
    const condition =
      this.options.how === 'cross' ? '' : this.options.using !== undefined ? ` USING (${this.options.using.map(quoteIdentifier).join(', ')})` : ` ON (\n${this.options.on}\n)`;
    const plan = planOver([left, right], `SELECT * FROM ${subquery(left, l)} ${kind} ${subquery(right, r)}${condition}`);
    const user =
      this.options.on === undefined ? undefined : { text: `SELECT * FROM ${quoteIdentifier(l)} ${kind} ${quoteIdentifier(r)} ON (\n${this.options.on}\n)`, tables: names, param: 'on' };
    return { table: await buildTable(plan, this, context, { user, blame: 'using', materialize: this.options.materialize }) };
  }
}
