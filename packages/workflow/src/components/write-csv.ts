import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Input, Operation, OperationOptions, Output, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { Component } from '../decorators/component';
import { StepInit, WorkflowFile } from '../step-init';
import { formatCsv } from './csv-format';
import type { Row } from './row';
import { reportWritten } from '../report-written';

/** Params of `write_csv`. */
export class WriteCsvParams {
  /** File to write, relative to the workflow file; folders are created. */
  @IsString() @IsNotEmpty() path!: string;
  @IsOptional() @IsString() @IsNotEmpty() delimiter: string = ',';
}

/**
 * Writes rows to a CSV file with a header line and outputs the file's path.
 *
 * @example
 * ```yaml
 * - name: save
 *   operation: write_csv
 *   depends_on: [aggregate]
 *   params: { path: out/summary.csv }
 * ```
 */
@Component('write_csv', { params: WriteCsvParams, description: 'Writes rows to a CSV file' })
@OperationOptions({ resource: 'io_bound' })
export class WriteCsv extends Operation {
  @Input(Array) rows!: InputPort<Row[]>;
  @Output(String) file!: OutputPort<string>;
  private readonly path: string;

  constructor(
    private readonly options: WriteCsvParams,
    init: StepInit,
    file: WorkflowFile,
  ) {
    super(init);
    this.path = file.resolve(options.path);
  }

  async execute({ rows }: Inputs<WriteCsv>, context: ExecutionContext): Promise<Outputs<WriteCsv>> {
    await mkdir(dirname(this.path), { recursive: true });
    await writeFile(this.path, formatCsv(rows, this.options.delimiter), { signal: context.signal });
    reportWritten(context, this.path);
    return { file: this.path };
  }
}
