import { Input, Operation, OperationOptions, Output, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { Component, reportWritten, StepInit, StepSource, WorkflowFile } from '@portflow/workflow';
import { IsIn, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { copyTable } from '../data-step';
import { Table, type TableRef } from '../table-ref';

/** Compression codecs `to_parquet` offers. */
export const PARQUET_COMPRESSIONS = Object.freeze(['snappy', 'zstd', 'gzip', 'uncompressed'] as const);

/** Params of `to_parquet`. */
export class ToParquetParams {
  /** File to write, relative to the workflow file; folders are created. */
  @IsString() @IsNotEmpty() path!: string;
  /** Compression codec of the file. */
  @IsOptional() @IsIn(PARQUET_COMPRESSIONS) compression: (typeof PARQUET_COMPRESSIONS)[number] = 'snappy';
}

/**
 * Runs the table's query and writes the rows to a Parquet file, atomically
 * (a failed or cancelled step leaves no partial file). Outputs the file's
 * path. The whole chain of lazy steps before it runs as one DuckDB query.
 *
 * @example
 * ```yaml
 * - name: save_result
 *   operation: to_parquet
 *   depends_on: [aggregate]
 *   params: { path: output.parquet }
 * ```
 */
@Component('to_parquet', { params: ToParquetParams, description: 'Writes a table to a Parquet file' })
@OperationOptions({ resource: 'io_bound' })
export class ToParquet extends Operation {
  /** The table this step reads (lazy: nothing is loaded until a sink runs). */
  @Input(Table) input!: InputPort<TableRef>;
  /** The absolute path of the written file. */
  @Output(String) file!: OutputPort<string>;
  private readonly path: string;

  constructor(
    private readonly options: ToParquetParams,
    init: StepInit,
    /** @internal */ readonly workflowFile: WorkflowFile,
    /** @internal */ readonly stepSource: StepSource,
  ) {
    super(init);
    this.path = workflowFile.resolve(options.path);
  }

  /** Builds (or, for sinks, runs) this step's query. */
  async execute({ input }: Inputs<ToParquet>, context: ExecutionContext): Promise<Outputs<ToParquet>> {
    await copyTable(input, this.path, `FORMAT parquet, COMPRESSION ${this.options.compression}`, this, context);
    reportWritten(context, this.path);
    return { file: this.path };
  }
}
