import 'reflect-metadata';
import { OperationOptions, requireExperimentalDecorators } from '@portflow/core';
import { injectable } from 'tsyringe';
import { COMPONENT_METADATA } from '../metadata';

/** A class whose instances are a component's validated params. */
export type ParamsClass<P extends object = object> = new () => P;

/** Options of {@link Component}. */
export interface ComponentOptions<P extends object = object> {
  /**
   * The params class: properties with class-validator decorators. YAML
   * `params` are turned into an instance of it and validated; the instance
   * is injected into the constructor parameter typed with this class.
   */
  params?: ParamsClass<P>;
  /** One line shown by `portflow components` and in error hints. */
  description?: string;
  /**
   * The input port fed by a `depends_on` step in the pipeline form
   * (default: the first declared input port).
   */
  primaryInput?: string;
  /**
   * The output port that feeds a dependent step in the pipeline form
   * (default: the first declared output port).
   */
  primaryOutput?: string;
}

/** What `@Component` records on a class. @internal */
export interface ComponentRecord {
  readonly name: string;
  readonly options: Readonly<ComponentOptions>;
}

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/**
 * Marks an `Operation` subclass as a component that workflows can name. The
 * decorator only records the name and options (and tsyringe's constructor
 * type information); a {@link ComponentRegistry} reads them on `register`.
 *
 * The constructor receives, by parameter type: the params instance (type
 * {@link ComponentOptions.params}), a {@link StepInit} to pass to
 * `super(init)` (id, retry, timeout, resource hint), and any service the host
 * registered in the registry's container.
 *
 * @example
 * ```ts
 * class GreetParams {
 *   @IsString() name!: string;
 * }
 *
 * @Component('greet', { params: GreetParams, description: 'Says hello' })
 * class Greet extends Operation {
 *   @Output(String) greeting!: OutputPort<string>;
 *   constructor(private readonly params: GreetParams, init: StepInit) {
 *     super(init);
 *   }
 *   execute(): Outputs<Greet> {
 *     return { greeting: `hello ${this.params.name}` };
 *   }
 * }
 * ```
 */
export function Component<P extends object = object>(name: string, options: ComponentOptions<P> = {}) {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new TypeError(`@Component(${JSON.stringify(name)}): a component name starts with a letter and uses letters, digits, '_', '.' or '-'`);
  }
  return <C extends abstract new (...args: never[]) => object>(ctor: C, context?: unknown): void => {
    requireExperimentalDecorators('@Component', context);
    const record: ComponentRecord = { name, options: Object.freeze({ ...options }) as Readonly<ComponentOptions> };
    Reflect.defineMetadata(COMPONENT_METADATA, record, ctor);
    // The component name is the operation's type: refs name it, the registry resolves it.
    OperationOptions({ type: name })(ctor);
    injectable()(ctor as unknown as new (...args: never[]) => object);
  };
}

/** The record `@Component` left on `ctor` itself (not inherited), if any. @internal */
export function readComponentMetadata(ctor: Function): ComponentRecord | undefined { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  return Reflect.getOwnMetadata(COMPONENT_METADATA, ctor) as ComponentRecord | undefined;
}
