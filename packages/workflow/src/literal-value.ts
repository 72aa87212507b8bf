import { Operation, Output, type OperationInit, type OutputPort, type PortDescriptor } from '@portflow/core';

/**
 * Emits a value written in the workflow: a task-form input given as a
 * literal (`model_path: { value: 'models/churn.json' }`) becomes one of
 * these, with the id `<task>:<port>`, feeding that input. @internal
 */
export class LiteralValue extends Operation {
  @Output() value!: OutputPort<unknown>;

  constructor(
    private readonly literal: unknown,
    init: OperationInit,
  ) {
    super(init);
  }

  execute(): { value: unknown } {
    return { value: this.literal };
  }
}

/** Why `value` cannot go into `port`, when its declared type is one YAML can express; else undefined. @internal */
export function literalMismatch(port: PortDescriptor, value: unknown): string | undefined {
  const expected = port.typeName;
  const fits: Record<string, (v: unknown) => boolean> = {
    number: (v) => typeof v === 'number',
    string: (v) => typeof v === 'string',
    boolean: (v) => typeof v === 'boolean',
    Array: Array.isArray,
  };
  const test = fits[expected];
  if (test === undefined || test(value)) return undefined;
  return `expects ${expected}, got ${Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value}`;
}
