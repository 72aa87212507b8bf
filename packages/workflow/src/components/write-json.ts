import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Input, Operation, OperationOptions, Output, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { IsBoolean, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { Component } from '../decorators/component';
import { StepInit, WorkflowFile } from '../step-init';
import { reportWritten } from '../report-written';

/** Params of `write_json`. */
export class WriteJsonParams {
  /** File to write, relative to the workflow file; folders are created. */
  @IsString() @IsNotEmpty() path!: string;
  /** Indent the JSON. */
  @IsOptional() @IsBoolean() pretty: boolean = true;
}

/**
 * Writes any JSON-serializable value to a file and outputs the file's path.
 *
 * @example
 * ```yaml
 * - name: save
 *   component_name: write_json
 *   inputs: { value: summary }
 *   params: { path: out/summary.json }
 * ```
 */
@Component('write_json', { params: WriteJsonParams, description: 'Writes a value to a JSON file' })
@OperationOptions({ resource: 'io_bound' })
export class WriteJson extends Operation {
  @Input() value!: InputPort<unknown>;
  @Output(String) file!: OutputPort<string>;
  private readonly path: string;

  constructor(
    private readonly options: WriteJsonParams,
    init: StepInit,
    file: WorkflowFile,
  ) {
    super(init);
    this.path = file.resolve(options.path);
  }

  async execute({ value }: Inputs<WriteJson>, context: ExecutionContext): Promise<Outputs<WriteJson>> {
    await mkdir(dirname(this.path), { recursive: true });
    const text = JSON.stringify(value, null, this.options.pretty ? 2 : undefined) ?? 'null';
    await writeFile(this.path, `${text}\n`, { signal: context.signal });
    reportWritten(context, this.path);
    return { file: this.path };
  }
}
