import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DynamicOperation, Input, Operation, OperationOptions, Output, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { IsArray, IsBoolean, IsNotEmpty, IsOptional, IsString, Matches } from 'class-validator';
import { builtinRegistry, Component, ComponentRegistry, StepInit, StepWiring, WorkflowFile } from '../index';

/*
 * Stand-ins with the names, params and port shapes of the old row components
 * (the real data components live in @portflow/data, which builds on this
 * package): workflow's own tests need components that read files, take
 * several inputs and have params to get wrong, without DuckDB.
 */

type Row = Record<string, unknown>;

export class ReadCsvParams {
  /** File to read, relative to the workflow file. */
  @IsString() @IsNotEmpty() path!: string;
  @IsOptional() @IsString() @IsNotEmpty() delimiter: string = ',';
  @IsOptional() @IsBoolean() header: boolean = true;
  @IsOptional() @IsBoolean() infer_types: boolean = true;
}

@Component('read_csv', { params: ReadCsvParams, description: 'Reads a CSV file into rows' })
@OperationOptions({ resource: 'io_bound' })
export class ReadCsv extends Operation {
  @Output(Array) rows!: OutputPort<Row[]>;
  private readonly path: string;
  constructor(private readonly options: ReadCsvParams, init: StepInit, file: WorkflowFile) {
    super(init);
    this.path = file.resolve(options.path);
  }
  async execute(): Promise<Outputs<ReadCsv>> {
    const [head, ...lines] = (await readFile(this.path, 'utf8')).trim().split('\n');
    const columns = head!.split(this.options.delimiter);
    return { rows: lines.map((line) => Object.fromEntries(line.split(this.options.delimiter).map((cell, i) => [columns[i]!, Number.isNaN(Number(cell)) ? cell : Number(cell)]))) };
  }
}

export class FilterRowsParams {
  /** `column > number` only. */
  @IsString() @Matches(/^\s*\w+\s*>\s*\S+\s*$/, { message: 'where must be `column > number`' }) where!: string;
}

@Component('filter_rows', { params: FilterRowsParams, description: 'Keeps rows where a column is greater than a number' })
@OperationOptions({ resource: 'cpu_bound' })
export class FilterRows extends Operation {
  @Input(Array) rows!: InputPort<Row[]>;
  @Output(Array) kept!: OutputPort<Row[]>;
  constructor(private readonly options: FilterRowsParams, init: StepInit) {
    super(init);
  }
  execute({ rows }: Inputs<FilterRows>): Outputs<FilterRows> {
    const [, column, limit] = /^\s*(\w+)\s*>\s*(\S+)\s*$/.exec(this.options.where) ?? [];
    return { kept: rows.filter((row) => Number(row[column!]) > Number(limit)) };
  }
}

export class GroupByParams {
  @IsArray() @IsString({ each: true }) by!: string[];
  /** Sums only. */
  @IsOptional() agg: Record<string, string | string[]> = {};
}

@Component('group_by', { params: GroupByParams, description: 'Sums columns per group' })
export class GroupBy extends Operation {
  @Input(Array) rows!: InputPort<Row[]>;
  @Output(Array) groups!: OutputPort<Row[]>;
  constructor(private readonly options: GroupByParams, init: StepInit) {
    super(init);
  }
  execute({ rows }: Inputs<GroupBy>): Outputs<GroupBy> {
    const groups = new Map<string, Row>();
    for (const row of rows) {
      const key = JSON.stringify(this.options.by.map((b) => row[b]));
      const group = groups.get(key) ?? Object.fromEntries(this.options.by.map((b) => [b, row[b]]));
      for (const column of Object.keys(this.options.agg)) group[`${column}_sum`] = Number(group[`${column}_sum`] ?? 0) + Number(row[column]);
      groups.set(key, group);
    }
    return { groups: [...groups.values()] };
  }
}

@Component('concat_rows', { description: 'Concatenates row lists; one input port per wired input' })
export class ConcatRows extends DynamicOperation {
  @Output(Array) rows!: OutputPort<Row[]>;
  private readonly order: readonly string[];
  constructor(init: StepInit, wiring: StepWiring) {
    super(init);
    if (wiring.inputs.length > 0) for (const name of wiring.inputs) this.addInputPort(name, { type: Array });
    else this.addInputPort('parts', { type: Array, collect: true });
    this.order = wiring.inputs.length > 0 ? wiring.inputs : ['parts'];
  }
  execute(inputs: Record<string, unknown>): Record<string, unknown> {
    if (this.order[0] === 'parts') return { rows: (inputs.parts as Row[][]).flat() };
    return { rows: this.order.flatMap((name) => inputs[name] as Row[]) };
  }
}

export class WriteParams {
  @IsString() @IsNotEmpty() path!: string;
}

@Component('write_json', { params: WriteParams, description: 'Writes a value to a JSON file' })
export class WriteJson extends Operation {
  @Input() value!: InputPort<unknown>;
  @Output(String) file!: OutputPort<string>;
  private readonly path: string;
  constructor(params: WriteParams, init: StepInit, file: WorkflowFile) {
    super(init);
    this.path = file.resolve(params.path);
  }
  async execute({ value }: Inputs<WriteJson>): Promise<Outputs<WriteJson>> {
    await mkdir(dirname(this.path), { recursive: true });
    await writeFile(this.path, JSON.stringify(value));
    return { file: this.path };
  }
}

@Component('write_csv', { params: WriteParams, description: 'Writes rows to a CSV file' })
export class WriteCsv extends WriteJson {
  constructor(params: WriteParams, init: StepInit, file: WorkflowFile) {
    super(params, init, file);
  }
}

/** The built-in components and the stand-ins above. */
export function rowRegistry(): ComponentRegistry {
  return builtinRegistry().register(ReadCsv, FilterRows, GroupBy, ConcatRows, WriteJson, WriteCsv);
}
