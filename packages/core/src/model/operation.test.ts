import {
  Collect,
  declaredPorts,
  DynamicOperation,
  GraphDefinition,
  Input,
  Operation,
  OperationOptions,
  Output,
  guard,
  type CollectInputPort,
  type InputPort,
  type OutputPort,
} from '..';
import { Add, Constant, Format, Sum } from '../__fixtures__/operations';

describe('Operation ports from decorators', () => {
  it('lists input and output ports in declaration order with their types', () => {
    const add = new Add();
    expect(add.inputPorts.map((p) => [p.name, p.typeName])).toEqual([
      ['a', 'number'],
      ['b', 'number'],
    ]);
    expect(add.outputPorts.map((p) => [p.name, p.typeName, p.direction])).toEqual([['sum', 'number', 'output']]);
  });

  it('records optional inputs, defaults and descriptions', () => {
    class Greeter extends Operation {
      @Input(String, { description: 'who to greet' }) name!: InputPort<string>;
      @Input(String, { default: 'Hello' }) greeting!: InputPort<string>;
      @Input(Number, { optional: true }) times!: InputPort<number | undefined>;
      execute(): void {}
    }
    const ports = new Greeter().inputPorts;
    expect(ports[0]).toMatchObject({ name: 'name', optional: false, hasDefault: false, description: 'who to greet' });
    expect(ports[1]).toMatchObject({ name: 'greeting', optional: true, hasDefault: true, default: 'Hello' });
    expect(ports[2]).toMatchObject({ name: 'times', optional: true, hasDefault: false });
  });

  it('marks @Collect ports as collecting inputs', () => {
    expect(new Sum().getPort('terms')).toMatchObject({ direction: 'input', collect: true, typeName: 'number' });
  });

  it('inherits ports from a base class, base ports first', () => {
    class Base extends Operation {
      @Input(Number) x!: InputPort<number>;
      execute(): void {}
    }
    class Derived extends Base {
      @Output(Number) y!: OutputPort<number>;
    }
    expect(new Derived().ports.map((p) => p.name)).toEqual(['x', 'y']);
    expect(new Base().ports.map((p) => p.name)).toEqual(['x']);
  });

  it('names guard types in port descriptors', () => {
    const Positive = guard('Positive', (v): v is number => typeof v === 'number' && v > 0);
    class P extends Operation {
      @Input(Positive) p!: InputPort<number>;
      execute(): void {}
    }
    expect(new P().getPort('p')?.typeName).toBe('Positive');
  });

  it('finds a port only in the requested direction', () => {
    const add = new Add();
    expect(add.getPort('a', 'input')?.name).toBe('a');
    expect(add.getPort('a', 'output')).toBeUndefined();
    expect(add.getPort('missing')).toBeUndefined();
  });
});

describe('Operation imperative ports', () => {
  class Merge extends DynamicOperation {
    constructor(names: string[]) {
      super();
      for (const name of names) this.addInputPort(name, { type: Number });
      this.addOutputPort('merged', { type: Array });
    }
    execute(inputs: Record<string, unknown>): Record<string, unknown> {
      return { merged: Object.values(inputs) };
    }
  }

  it('adds ports per instance without touching the class', () => {
    const two = new Merge(['a', 'b']);
    const three = new Merge(['a', 'b', 'c']);
    expect(two.inputPorts.map((p) => p.name)).toEqual(['a', 'b']);
    expect(three.inputPorts.map((p) => p.name)).toEqual(['a', 'b', 'c']);
    expect(three.outputPorts.map((p) => p.name)).toEqual(['merged']);
  });

  it('rejects a port declared twice, naming it', () => {
    expect(() => new Merge(['a', 'a'])).toThrow("port 'a' is declared twice");
  });

  it('rejects an invalid port name with the rule', () => {
    expect(() => new Merge(['has space'])).toThrow(/port name "has space" is not valid/);
  });

  it('rejects input-only options on an output port', () => {
    class Bad extends DynamicOperation {
      constructor() {
        super();
        this.addOutputPort('out', { optional: true } as never);
      }
      execute(): void {}
    }
    expect(() => new Bad()).toThrow("output port 'out' cannot be optional");
  });
});

describe('Operation ids', () => {
  it('keeps a given id', () => {
    expect(new Add({ id: 'adder' }).id).toBe('adder');
  });

  it('derives ids from the class name in add order, skipping taken ones', () => {
    const graph = new GraphDefinition();
    const first = new Add();
    const taken = new Add({ id: 'Add_2' });
    const third = new Add();
    graph.add(first, taken, third);
    expect([first.id, taken.id, third.id]).toEqual(['Add_1', 'Add_2', 'Add_3']);
  });

  it('derives the same ids when the same graph is built again', () => {
    const build = () => {
      const graph = new GraphDefinition();
      graph.connect(new Constant(1), 'value', new Format(), 'value');
      return graph.operations.map((o) => o.id);
    };
    expect(build()).toEqual(build());
  });

  it('explains how to get an id when there is none', () => {
    expect(() => new Add().id).toThrow(/Add has no id yet/);
  });

  it('rejects ids with spaces', () => {
    expect(() => new Add({ id: 'two words' })).toThrow(/operation id "two words" is not valid/);
  });
});

describe('Operation settings', () => {
  @OperationOptions({ retry: { maxAttempts: 3 }, timeoutMs: 1000, resource: 'cpu_bound' })
  class Configured extends Operation {
    @Collect() xs!: CollectInputPort<unknown>;
    execute(): void {}
  }

  it('takes class defaults from @OperationOptions', () => {
    expect(new Configured().settings).toEqual({ retry: { maxAttempts: 3 }, timeoutMs: 1000, resource: 'cpu_bound' });
  });

  it('lets constructor options override class defaults', () => {
    const op = new Configured({ timeoutMs: 5, retry: undefined });
    expect(op.settings.timeoutMs).toBe(5);
    expect(op.settings.retry).toEqual({ maxAttempts: 3 });
  });
});

describe('declaredPorts', () => {
  it('reads a class’s decorated ports without constructing it', () => {
    expect(declaredPorts(Add).map((p) => `${p.direction} ${p.name}: ${p.typeName}`)).toEqual([
      'input a: number',
      'input b: number',
      'output sum: number',
    ]);
  });
});
