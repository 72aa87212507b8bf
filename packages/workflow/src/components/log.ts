import { basename } from 'node:path';
import { Input, Operation, Output, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { Component } from '../decorators/component';
import { StepInit } from '../step-init';

/** Params of `log`. */
export class LogParams {
  /** The message; `{value}` is replaced by a preview of the input. */
  @IsOptional() @IsString() message: string = '{value}';
  @IsOptional() @IsIn(['debug', 'info', 'warn', 'error']) level: 'debug' | 'info' | 'warn' | 'error' = 'info';
}

/**
 * Logs a message (through the run's logger, which the CLI prints) and passes
 * its input on unchanged, so it can sit anywhere in a chain.
 *
 * @example
 * ```yaml
 * - name: announce
 *   operation: log
 *   depends_on: [aggregate]
 *   params: { message: "aggregated: {value}" }
 * ```
 */
@Component('log', { params: LogParams, description: 'Logs a message and passes its input on' })
export class Log extends Operation {
  @Input(undefined, { optional: true }) value!: InputPort<unknown>;
  @Output() passed!: OutputPort<unknown>;

  constructor(
    private readonly options: LogParams,
    init: StepInit,
  ) {
    super(init);
  }

  execute({ value }: Inputs<Log>, context: ExecutionContext): Outputs<Log> {
    const message = this.options.message.replace(/\{value\}/g, () => preview(value));
    context.logger[this.options.level](message);
    return { passed: value };
  }
}

/** A short text for a value: rows and tables are summarized, long text cut. */
function preview(value: unknown): string {
  if (value === undefined) return '(no value)';
  const table = value as { kind?: unknown; columns?: { name: string }[]; sources?: { path: string }[] } | null;
  if (table !== null && typeof table === 'object' && table.kind === 'portflow.table' && Array.isArray(table.columns) && Array.isArray(table.sources)) {
    // A lazy table of @portflow/data: what it is, not its rows (reading them is the data steps' job).
    const columns = table.columns.map((c) => c.name);
    return `table (${columns.length} column${columns.length === 1 ? '' : 's'}: ${columns.join(', ')}) from ${table.sources.map((s) => basename(s.path)).join(', ')}`;
  }
  if (Array.isArray(value)) return `${value.length} row${value.length === 1 ? '' : 's'}${value.length > 0 ? `, e.g. ${JSON.stringify(value[0])}` : ''}`;
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
