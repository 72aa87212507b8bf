// Compile-time checks of port wiring. This file is type-checked by
// `npm run typecheck` (part of `npm test`); every `@ts-expect-error` line must
// be an error, and every other line must compile.
import {
  Collect,
  DataChannel,
  DynamicOperation,
  GraphDefinition,
  Input,
  Operation,
  Output,
  ExecutionResult,
  ExecutionEngine,
  guard,
  type CollectInputPort,
  type InputPort,
  type Inputs,
  type OutputPort,
  type Outputs,
} from '../src/index';

class Numbers extends Operation {
  @Output(Number) value!: OutputPort<number>;
  @Output(String) label!: OutputPort<string>;
  execute(): Outputs<Numbers> {
    return { value: 1, label: 'one' };
  }
}

class Square extends Operation {
  @Input(Number) x!: InputPort<number>;
  @Input(String, { default: '' }) note!: InputPort<string>;
  @Output(Number) y!: OutputPort<number>;
  execute({ x }: Inputs<Square>): Outputs<Square> {
    return { y: x * x };
  }
}

class Total extends Operation {
  @Collect(Number) parts!: CollectInputPort<number>;
  @Output(Number) total!: OutputPort<number>;
  execute({ parts }: Inputs<Total>): Outputs<Total> {
    const check: number[] = parts;
    return { total: check.length };
  }
}

class Animal {
  name = 'a';
}
class Dog extends Animal {
  bark = true;
}
class MakeDog extends Operation {
  @Output(Dog) dog!: OutputPort<Dog>;
  execute(): Outputs<MakeDog> {
    return { dog: new Dog() };
  }
}
class Pet extends Operation {
  @Input(Animal) animal!: InputPort<Animal>;
  @Input(Dog, { optional: true }) dog!: InputPort<Dog | undefined>;
  execute(): void {}
}

class Dyn extends DynamicOperation {
  constructor() {
    super();
    this.addInputPort('anything');
    this.addOutputPort('whatever');
  }
  execute(inputs: Record<string, unknown>): Record<string, unknown> {
    return { whatever: inputs.anything };
  }
}

const g = new GraphDefinition();
const numbers = new Numbers();
const square = new Square();
const total = new Total();

// Good wiring compiles.
const channel: DataChannel<number> = g.connect(numbers, 'value', square, 'x');
// @ts-expect-error the channel carries numbers
const wrongChannel: DataChannel<string> = channel;
void wrongChannel;
g.connect(numbers, 'label', square, 'note');
g.connect(square, 'y', total, 'parts');
g.connect(numbers, 'value', total, 'parts');
g.connect(new MakeDog(), 'dog', new Pet(), 'animal'); // a Dog is an Animal
g.connect(new MakeDog(), 'dog', new Pet(), 'dog'); // into an optional input
g.connect(new Dyn(), 'whatever', square, 'x'); // dynamic source: checked at run time
g.connect(numbers, 'value', new Dyn(), 'anything'); // dynamic target
g.dependsOn(total, square);

// @ts-expect-error an input port cannot be a source
g.connect(square, 'x', total, 'parts');
// @ts-expect-error an output port cannot be a target
g.connect(numbers, 'value', square, 'y');
// @ts-expect-error no such output port
g.connect(numbers, 'nope', square, 'x');
// @ts-expect-error no such input port
g.connect(numbers, 'value', square, 'nope');
// @ts-expect-error string output into a number input
g.connect(numbers, 'label', square, 'x');
// @ts-expect-error string output into a collecting number input
g.connect(numbers, 'label', total, 'parts');
// @ts-expect-error an Animal is not necessarily a Dog
g.connect(new (class extends Operation { @Output(Animal) a!: OutputPort<Animal>; execute() { return { a: new Animal() }; } })(), 'a', new Pet(), 'dog');

// Decorators must match the property's declared port type.
class WrongDecorators extends Operation {
  // @ts-expect-error @Input on an output port property
  @Input(Number) a!: OutputPort<number>;
  // @ts-expect-error @Output with String on a number port
  @Output(String) b!: OutputPort<number>;
  // @ts-expect-error @Input(Number) on a string port
  @Input(Number) c!: InputPort<string>;
  // @ts-expect-error @Collect on a plain input port
  @Collect(Number) d!: InputPort<number>;
  execute(): void {}
}
void WrongDecorators;

// Guards give their type to the port.
const Positive = guard('Positive', (v: unknown): v is number => typeof v === 'number' && v > 0);
class UsesGuard extends Operation {
  @Input(Positive) p!: InputPort<number>;
  // @ts-expect-error the guard describes numbers, not strings
  @Input(Positive) q!: InputPort<string>;
  execute(): void {}
}
void UsesGuard;

// Inputs and Outputs are typed from the ports.
type SquareInputs = Inputs<Square>;
const inputs: SquareInputs = { x: 1, note: '' };
// @ts-expect-error x must be a number
const badInputs: SquareInputs = { x: 'one', note: '' };
void inputs;
void badInputs;
// @ts-expect-error y must be a number
const badOutputs: Outputs<Square> = { y: 'two' };
void badOutputs;

// Results are typed from the port.
declare const result: ExecutionResult;
const y: number | undefined = result.getOutput(square, 'y');
// @ts-expect-error y is a number
const yWrong: string | undefined = result.getOutput(square, 'y');
// @ts-expect-error no such output
result.getOutput(square, 'x');
void y;
void yWrong;

// BigInt and Symbol are port types too.
class Big extends Operation {
  @Input(BigInt) n!: InputPort<bigint>;
  @Output(Symbol) tag!: OutputPort<symbol>;
  execute({ n }: Inputs<Big>): Outputs<Big> {
    return { tag: Symbol(String(n)) };
  }
}
void Big;

// A declared type may be wider than the decorator's: typed arrays, optional inputs.
class Bytes extends Operation {
  @Input(Uint8Array) data!: InputPort<Uint8Array>;
  @Input(Number) maybe!: InputPort<number | undefined>;
  @Output(Uint8Array) out!: OutputPort<Uint8Array>;
  execute({ data }: Inputs<Bytes>): Outputs<Bytes> {
    return { out: data };
  }
}
void Bytes;

// Generic operations compile: an untyped decorator fits a generic port.
class Pass<T> extends Operation {
  @Input() value!: InputPort<T>;
  @Output() same!: OutputPort<T>;
  execute({ value }: Inputs<Pass<T>>): Outputs<Pass<T>> {
    return { same: value } as Outputs<Pass<T>>;
  }
}
void Pass;

class Count extends Operation {
  @Input(String) text!: InputPort<string>;
  @Output(Number) length!: OutputPort<number>;
  execute({ text }: Inputs<Count>): Outputs<Count> {
    return { length: text.length };
  }
}

class Sink extends Operation {
  @Input(Number) n!: InputPort<number>;
  execute(): void {}
}

// Graph inputs and outputs are checked against the graph's declared types.
async function graphInputsAndOutputs(): Promise<void> {
  const engine = new ExecutionEngine();
  const io = new GraphDefinition<{ text: string }, { length: number; label: string }>();
  const count = new Count();
  io.connect(io.input('text', String), 'value', count, 'text');
  // @ts-expect-error a string input cannot feed a number port
  io.connect(io.input('text', String), 'value', new Sink(), 'n');
  // @ts-expect-error the graph declares no input 'other'
  io.input('other');
  io.output('length', count, 'length');
  // @ts-expect-error 'label' is a string output; Count.length is a number
  io.output('label', count, 'length');
  await engine.run(io, { inputs: { text: 'abc' } });
  // @ts-expect-error the graph declares inputs, so run needs them
  await engine.run(io);
  // @ts-expect-error 'text' must be a string
  await engine.run(io, { inputs: { text: 3 } });
  const result = await engine.run(io, { inputs: { text: 'abc' } });
  // @ts-expect-error before isSuccessful() an output may be missing
  const early: number = result.outputs.length;
  void early;
  if (result.isSuccessful()) {
    const length: number = result.outputs.length;
    const direct: number = result.getOutput(count, 'length');
    void [length, direct];
  }
}
void graphInputsAndOutputs;

