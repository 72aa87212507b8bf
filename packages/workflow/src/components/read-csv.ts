import { readFile } from 'node:fs/promises';
import { Operation, OperationOptions, Output, type ExecutionContext, type OutputPort, type Outputs } from '@portflow/core';
import { IsBoolean, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { Component } from '../decorators/component';
import { StepInit, WorkflowFile } from '../step-init';
import { parseCsv } from './csv-format';
import type { Row } from './row';

/** Params of `read_csv`. */
export class ReadCsvParams {
  /** File to read, relative to the workflow file. */
  @IsString() @IsNotEmpty() path!: string;
  @IsOptional() @IsString() @IsNotEmpty() delimiter: string = ',';
  /** Whether the first line names the columns. */
  @IsOptional() @IsBoolean() header: boolean = true;
  /** Whether numeric cells become numbers and true/false booleans. */
  @IsOptional() @IsBoolean() infer_types: boolean = true;
}

/**
 * Reads a CSV file into rows (`Row[]`).
 *
 * @example
 * ```yaml
 * - name: load
 *   operation: read_csv
 *   params: { path: data/sales.csv }
 * ```
 */
@Component('read_csv', { params: ReadCsvParams, description: 'Reads a CSV file into rows' })
@OperationOptions({ resource: 'io_bound' })
export class ReadCsv extends Operation {
  @Output(Array) rows!: OutputPort<Row[]>;
  private readonly path: string;

  constructor(
    private readonly options: ReadCsvParams,
    init: StepInit,
    file: WorkflowFile,
  ) {
    super(init);
    this.path = file.resolve(options.path);
  }

  async execute(_inputs: unknown, context: ExecutionContext): Promise<Outputs<ReadCsv>> {
    const text = await readFile(this.path, { encoding: 'utf8', signal: context.signal });
    const rows = parseCsv(text, { delimiter: this.options.delimiter, header: this.options.header, inferTypes: this.options.infer_types });
    context.logger.debug('read csv', { path: this.path, rows: rows.length });
    return { rows };
  }
}
