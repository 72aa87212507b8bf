import { Input, Operation, OperationOptions, Output, type InputPort, type Inputs, type OutputPort, type Outputs } from '../index';

/** Counts constructions, so tests can tell a resolver ran the constructor. */
export const constructed: string[] = [];

/** Multiplies by a factor held in its params; resolvable from a module. */
@OperationOptions({ type: 'test.scale', version: 2, module: './src/__fixtures__/ref-operations' })
export class Scale extends Operation<{ factor: number; label?: string }> {
  @Input(Number) value!: InputPort<number>;
  @Output(Number) scaled!: OutputPort<number>;

  constructor(init: ConstructorParameters<typeof Operation<{ factor: number; label?: string }>>[0]) {
    super(init);
    constructed.push(`${this.hasId ? this.id : '?'}:${this.params.factor}`);
  }

  protected override validateParams({ factor }: Readonly<{ factor: number }>): string[] {
    return typeof factor === 'number' && factor > 0 ? [] : [`factor must be a number > 0 (got ${String(factor)})`];
  }

  execute({ value }: Inputs<Scale>): Outputs<Scale> {
    return { scaled: value * this.params.factor };
  }
}

/** Not an operation: resolvers must refuse it. */
export const notAnOperation = { execute: 1 };
