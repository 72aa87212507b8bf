import 'reflect-metadata';
import { ExecutionEngine, Operation, Output, type OutputPort, type Outputs } from '@portflow/core';
import { IsInt, Min } from 'class-validator';
import { inject, injectable } from 'tsyringe';
import { rowRegistry } from './__fixtures__/row-components';
import { Component, ComponentRegistrationError, ComponentRegistry, ParamsValidationError, StepInit, UnknownComponentError } from './index';

class Clock {
  now(): number {
    return 7;
  }
}

@injectable()
class Greeter {
  greet(name: string): string {
    return `hello ${name}`;
  }
}

class CountParams {
  @IsInt() @Min(1) times!: number;
}

@Component('stamp', { params: CountParams, description: 'Stamps the time' })
class Stamp extends Operation {
  @Output(Number) value!: OutputPort<number>;
  constructor(
    readonly options: CountParams,
    init: StepInit,
    @inject('clock') private readonly clock: Clock,
    readonly greeter: Greeter,
  ) {
    super(init);
  }
  execute(): Outputs<Stamp> {
    return { value: this.clock.now() * this.options.times };
  }
}

@Component('bare')
class Bare extends Operation {
  @Output(Number) value!: OutputPort<number>;
  execute(): Outputs<Bare> {
    return { value: 1 };
  }
}

describe('ComponentRegistry', () => {
  it('creates a component with its params, its step settings and injected services', async () => {
    const registry = new ComponentRegistry().register(Stamp);
    registry.container.register('clock', { useValue: new Clock() });
    const op = registry.create('stamp', { times: 3 }, { id: 'now', retry: { maxAttempts: 2 }, timeoutMs: 500, resource: 'cpu_bound' }) as Stamp;
    expect(op.id).toBe('now');
    expect(op.settings).toEqual({ retry: { maxAttempts: 2 }, timeoutMs: 500, resource: 'cpu_bound' });
    expect(op.greeter.greet('x')).toBe('hello x');
    const { GraphDefinition } = await import('@portflow/core');
    const result = await new ExecutionEngine().run(new GraphDefinition().add(op));
    expect(result.getOutput('now', 'value')).toBe(21);
  });

  it('resolves an operation ref to the same component, params and settings (OperationResolver)', async () => {
    const registry = new ComponentRegistry().register(Stamp);
    registry.container.register('clock', { useValue: new Clock() });
    const original = registry.create('stamp', { times: 3 }, { id: 'now', timeoutMs: 500 });
    const ref = JSON.parse(JSON.stringify(original.toRef()));
    expect(ref).toEqual({ type: 'stamp', version: 1, id: 'now', params: { times: 3 }, settings: { timeoutMs: 500 } });
    const copy = registry.resolve(ref) as Stamp;
    expect(copy).not.toBe(original);
    expect(copy.options.times).toBe(3);
    expect(copy.settings.timeoutMs).toBe(500);
    expect(() => registry.resolve({ ...ref, version: 2 })).toThrow(/Component 'stamp' is version 1 here, but the ref asks for version 2/);
    expect(() => registry.resolve({ ...ref, type: 'stmap' })).toThrow(/No component named 'stmap' is registered to resolve the ref; did you mean 'stamp'/);
    expect(() => registry.resolve({ ...ref, params: { times: 0 } })).toThrow(ParamsValidationError);
  });

  it('names the missing emitDecoratorMetadata instead of blaming super(init)', () => {
    @Component('no-metadata')
    class NoMetadata extends Operation {
      @Output(Number) value!: OutputPort<number>;
      constructor(init: StepInit) {
        super(init);
      }
      execute(): Outputs<NoMetadata> {
        return { value: 1 };
      }
    }
    Reflect.deleteMetadata('design:paramtypes', NoMetadata); // as tsx or esbuild would leave it
    expect(() => new ComponentRegistry().register(NoMetadata).create('no-metadata', {}, { id: 'x' })).toThrow(
      /has constructor parameters but no decorator metadata, so they cannot be injected: compile it with "emitDecoratorMetadata": true/,
    );
  });

  it('names a type-only import of StepInit instead of failing inside the injector', () => {
    @Component('type-only')
    class TypeOnly extends Operation {
      @Output(Number) value!: OutputPort<number>;
      constructor(init: StepInit) {
        super(init);
      }
      execute(): Outputs<TypeOnly> {
        return { value: 1 };
      }
    }
    Reflect.defineMetadata('design:paramtypes', [Object], TypeOnly); // what `import type { StepInit }` records
    expect(() => new ComponentRegistry().register(TypeOnly).create('type-only', {}, { id: 'x' })).toThrow(
      /constructor parameter 1 has no runtime type in the decorator metadata \(it is typed with a type-only import such as `import type \{ StepInit \}`/,
    );
  });

  it('passes the step settings to components without a constructor of their own', () => {
    const op = new ComponentRegistry().register(Bare).create('bare', {}, { id: 'b', timeoutMs: 10 });
    expect(op.id).toBe('b');
    expect(op.settings.timeoutMs).toBe(10);
  });

  it('lists every params problem at once', () => {
    const registry = new ComponentRegistry().register(Stamp);
    expect(() => registry.create('stamp', { times: 0, extra: 1 }, { id: 'x' })).toThrow(ParamsValidationError);
    try {
      registry.create('stamp', { times: 0, extra: 1 }, { id: 'x' });
    } catch (error) {
      expect((error as ParamsValidationError).issues.map((i) => `${i.kind} ${i.path.join('.')}`)).toEqual(['unknown extra', 'invalid times']);
    }
  });

  it('keeps registries independent of each other', () => {
    const a = new ComponentRegistry().register(Bare);
    const b = new ComponentRegistry();
    expect(a.has('bare')).toBe(true);
    expect(b.has('bare')).toBe(false);
    const fork = a.fork().register(Stamp);
    expect(fork.names()).toEqual(['bare', 'stamp']);
    expect(a.names()).toEqual(['bare']);
  });

  it('describes components: params, ports and primary ports', () => {
    const descriptor = rowRegistry().get('read_csv')!;
    expect(descriptor.description).toBe('Reads a CSV file into rows');
    expect(descriptor.params.map((p) => [p.name, p.type, p.optional])).toEqual([
      ['path', 'string', false],
      ['delimiter', 'string', true],
      ['header', 'boolean', true],
      ['infer_types', 'boolean', true],
    ]);
    expect(descriptor.ports.map((p) => `${p.direction} ${p.name}: ${p.typeName}`)).toEqual(['output rows: Array']);
    expect(descriptor.primaryOutput).toBe('rows');
    expect(rowRegistry().get('concat_rows')!.dynamicPorts).toBe(true);
  });

  it('suggests the closest names for an unknown component', () => {
    expect(() => rowRegistry().create('grup_by', {}, { id: 'x' })).toThrow(new UnknownComponentError('grup_by', ['group_by']));
    expect(rowRegistry().closest('write')).toEqual(['write_csv', 'write_json']);
  });

  it('refuses classes that are not components, names taken twice and constructors without StepInit', () => {
    class Plain extends Operation {
      execute(): void {}
    }
    expect(() => new ComponentRegistry().register(Plain)).toThrow(/not a component: decorate it with @Component/);
    @Component('bare')
    class OtherBare extends Operation {
      execute(): void {}
    }
    expect(() => new ComponentRegistry().register(Bare, OtherBare)).toThrow(ComponentRegistrationError);
    @Component('no_init')
    class NoInit extends Operation {
      constructor(readonly options: CountParams) {
        super();
      }
      execute(): void {}
    }
    expect(() => new ComponentRegistry().register(NoInit)).toThrow(/must take an 'init: StepInit' parameter/);
  });
});
