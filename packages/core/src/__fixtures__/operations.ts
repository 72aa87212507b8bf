import { Collect, Input, Operation, Output, type CollectInputPort, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs, type OperationInit } from '../index';

/** Emits a fixed number. */
export class Constant extends Operation {
  @Output(Number) value!: OutputPort<number>;
  constructor(
    private readonly n: number,
    init?: OperationInit,
  ) {
    super(init);
  }
  execute(): Outputs<Constant> {
    return { value: this.n };
  }
}

/** Adds two numbers. */
export class Add extends Operation {
  @Input(Number) a!: InputPort<number>;
  @Input(Number) b!: InputPort<number>;
  @Output(Number) sum!: OutputPort<number>;
  execute({ a, b }: Inputs<Add>): Outputs<Add> {
    return { sum: a + b };
  }
}

/** Doubles a number, asynchronously. */
export class Double extends Operation {
  @Input(Number) value!: InputPort<number>;
  @Output(Number) doubled!: OutputPort<number>;
  async execute({ value }: Inputs<Double>): Promise<Outputs<Double>> {
    await Promise.resolve();
    return { doubled: value * 2 };
  }
}

/** Sums any number of inputs. */
export class Sum extends Operation {
  @Collect(Number) terms!: CollectInputPort<number>;
  @Output(Number) total!: OutputPort<number>;
  execute({ terms }: Inputs<Sum>): Outputs<Sum> {
    return { total: terms.reduce((x, y) => x + y, 0) };
  }
}

/** Formats a number as text. */
export class Format extends Operation {
  @Input(Number) value!: InputPort<number>;
  @Input(String, { default: '#' }) prefix!: InputPort<string>;
  @Output(String) text!: OutputPort<string>;
  execute({ value, prefix }: Inputs<Format>): Outputs<Format> {
    return { text: `${prefix}${value}` };
  }
}

/** Takes a string. */
export class Shout extends Operation {
  @Input(String) text!: InputPort<string>;
  @Output(String) loud!: OutputPort<string>;
  execute({ text }: Inputs<Shout>): Outputs<Shout> {
    return { loud: text.toUpperCase() };
  }
}

/** An operation without ports whose behaviour a test supplies. */
export class Task extends Operation {
  constructor(
    private readonly body: (context: ExecutionContext) => unknown,
    init?: OperationInit,
  ) {
    super(init);
  }
  execute(_inputs: Inputs<Task>, context: ExecutionContext): Promise<void> | void {
    return this.body(context) as Promise<void> | void;
  }
}

/** A pass-through with one optional input and one output, both untyped. */
export class Relay extends Operation {
  @Input(undefined, { optional: true }) in!: InputPort<unknown>;
  @Output() out!: OutputPort<unknown>;
  execute({ in: value }: Inputs<Relay>): Outputs<Relay> {
    return { out: value };
  }
}
