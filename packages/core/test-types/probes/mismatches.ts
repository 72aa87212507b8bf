// Compiled by messages.test.ts, which expects each line marked below to fail
// with a message naming both sides. Not part of the type-checked sources.
import { GraphDefinition, Input, Operation, Output, type InputPort, type OutputPort } from '../../src/index';

class Count extends Operation {
  @Output(Number) count!: OutputPort<number>;
  execute() {
    return { count: 1 };
  }
}

class Greet extends Operation {
  @Input(String) name!: InputPort<string>;
  execute(): void {}
}

new GraphDefinition().connect(new Count(), 'count', new Greet(), 'name'); // connect: number into string

export class WrongType extends Operation {
  @Input(Number) name!: InputPort<string>; // decorator type
  execute(): void {}
}

export class WrongKind extends Operation {
  @Output(Number) name!: InputPort<number>; // decorator kind
  execute(): void {}
}

export class NotAPort extends Operation {
  @Input(Number) name!: number; // not a port
  execute(): void {}
}
