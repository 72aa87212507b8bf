import { Input, Operation, OperationOptions, Output, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { Component, reportWritten, StepInit, StepSource, WorkflowFile } from '@portflow/workflow';
import { IsIn, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { copyTable } from '../data-step';
import { Table, type TableRef } from '../table-ref';

/** Params of `to_json`. */
export class ToJsonParams {
  /** File to write, relative to the workflow file; folders are created. */
  @IsString() @IsNotEmpty() path!: string;
  /** `array`: one JSON array of row objects; `newline_delimited`: one object per line. */
  @IsOptional() @IsIn(['array', 'newline_delimited']) format: 'array' | 'newline_delimited' = 'array';
}

/**
 * Runs the table's query and writes the rows as JSON objects, atomically (a
 * failed or cancelled step leaves no partial file). Outputs the file's path.
 *
 * @example
 * ```yaml
 * - name: save
 *   operation: to_json
 *   depends_on: [aggregate]
 *   params: { path: out/summary.json }
 * ```
 */
@Component('to_json', { params: ToJsonParams, description: 'Writes a table to a JSON file' })
@OperationOptions({ resource: 'io_bound' })
export class ToJson extends Operation {
  /** The table this step reads (lazy: nothing is loaded until a sink runs). */
  @Input(Table) input!: InputPort<TableRef>;
  /** The absolute path of the written file. */
  @Output(String) file!: OutputPort<string>;
  private readonly path: string;

  constructor(
    private readonly options: ToJsonParams,
    init: StepInit,
    /** @internal */ readonly workflowFile: WorkflowFile,
    /** @internal */ readonly stepSource: StepSource,
  ) {
    super(init);
    this.path = workflowFile.resolve(options.path);
  }

  /** Builds (or, for sinks, runs) this step's query. */
  async execute({ input }: Inputs<ToJson>, context: ExecutionContext): Promise<Outputs<ToJson>> {
    await copyTable(input, this.path, `FORMAT json, ARRAY ${this.options.format === 'array'}`, this, context);
    reportWritten(context, this.path);
    return { file: this.path };
  }
}
