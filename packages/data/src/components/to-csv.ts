import { Input, Operation, OperationOptions, Output, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { Component, reportWritten, StepInit, StepSource, WorkflowFile } from '@portflow/workflow';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { copyTable } from '../data-step';
import { quoteString } from '../sql-text';
import { Table, type TableRef } from '../table-ref';

/** Params of `to_csv`. */
export class ToCsvParams {
  /** File to write, relative to the workflow file; folders are created. */
  @IsString() @IsNotEmpty() path!: string;
  /** Column separator. */
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(4) delimiter: string = ',';
  /** Whether the first line names the columns. */
  @IsOptional() @IsBoolean() header: boolean = true;
}

/**
 * Runs the table's query and writes the rows to a CSV file, atomically (a
 * temporary file renamed when complete: a failed or cancelled step leaves no
 * partial file). Outputs the file's path.
 *
 * @example
 * ```yaml
 * - name: save
 *   operation: to_csv
 *   depends_on: [aggregate]
 *   params: { path: out/summary.csv }
 * ```
 */
@Component('to_csv', { params: ToCsvParams, description: 'Writes a table to a CSV file' })
@OperationOptions({ resource: 'io_bound' })
export class ToCsv extends Operation {
  /** The table this step reads (lazy: nothing is loaded until a sink runs). */
  @Input(Table) input!: InputPort<TableRef>;
  /** The absolute path of the written file. */
  @Output(String) file!: OutputPort<string>;
  private readonly path: string;

  constructor(
    private readonly options: ToCsvParams,
    init: StepInit,
    /** @internal */ readonly workflowFile: WorkflowFile,
    /** @internal */ readonly stepSource: StepSource,
  ) {
    super(init);
    this.path = workflowFile.resolve(options.path);
  }

  /** Builds (or, for sinks, runs) this step's query. */
  async execute({ input }: Inputs<ToCsv>, context: ExecutionContext): Promise<Outputs<ToCsv>> {
    await copyTable(input, this.path, `FORMAT csv, HEADER ${this.options.header}, DELIMITER ${quoteString(this.options.delimiter)}`, this, context);
    reportWritten(context, this.path);
    return { file: this.path };
  }
}
