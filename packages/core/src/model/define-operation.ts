import { recordPort } from './metadata/record';
import { OperationOptions } from './decorators/operation-options';
import type { ExecutionContext } from './execution-context';
import { Operation, type OperationPlacement } from './operation';
import type { OperationSettings } from './operation-settings';
import type { InputPort, OutputPort } from './ports/port';
import type { PortType, ValueOf } from './ports/port-type';

declare const SPEC_VALUE: unique symbol;

/**
 * A port of a {@link defineOperation} with its value type spelled out, for
 * values a constructor cannot describe (`port<Model>()`), optional inputs
 * and defaults. Made by `port()`.
 */
export interface PortSpec<T, Optional extends boolean = boolean> {
  readonly type: PortType | undefined;
  readonly optional: Optional;
  readonly default?: unknown;
  readonly hasDefault: boolean;
  readonly description: string | undefined;
  readonly [SPEC_VALUE]?: T;
}

/**
 * Describes one port of a {@link defineOperation}: its TypeScript value type
 * `T`, an optional runtime type, and for inputs `optional` / `default`.
 *
 * @example
 * ```ts
 * defineOperation('train', { inputs: { data: port<Dataset>(), epochs: port(Number, { default: 10 }) }, outputs: { model: port<Model>() } }, ...)
 * ```
 */
export function port<T = unknown>(type: PortType | undefined, options: { optional: true; description?: string } | { default: T; description?: string }): PortSpec<T, true>;
export function port<T = unknown>(type?: PortType, options?: { description?: string }): PortSpec<T, false>;
export function port<T = unknown>(type?: PortType, options: { optional?: boolean; default?: T; description?: string } = {}): PortSpec<T> {
  const hasDefault = Object.prototype.hasOwnProperty.call(options, 'default');
  return Object.freeze({ type, optional: options.optional === true || hasDefault, hasDefault, default: options.default, description: options.description });
}

/** A port given to {@link defineOperation}: a runtime type (`Number`, a class, a guard) or a `port()` spec. */
export type PortSpecOrType = PortType | PortSpec<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The ports of a {@link defineOperation}, by name. */
export type PortSpecs = Readonly<Record<string, PortSpecOrType>>;

/** The value type a port spec stands for. */
export type SpecValue<S> = S extends PortSpec<infer T> ? T : ValueOf<S>;

type OptionalKeys<S extends PortSpecs> = { [K in keyof S]: S[K] extends PortSpec<any, true> ? K : never }[keyof S]; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What the function of a {@link defineOperation} receives: one value per input port. */
export type SpecInputs<S extends PortSpecs> = { readonly [K in keyof S]: SpecValue<S[K]> };

/** What the function of a {@link defineOperation} returns: one value per output port. */
export type SpecOutputs<S extends PortSpecs> = { [K in keyof S]: SpecValue<S[K]> };

/** The instance type of a defined operation: its ports as typed port properties, so `connect` checks them. */
export type DefinedOperation<I extends PortSpecs, O extends PortSpecs> = Operation & { readonly [K in keyof I & string]: InputPort<SpecValue<I[K]>> } & {
  readonly [K in keyof O & string]: OutputPort<SpecValue<O[K]>>;
};

/** What {@link defineOperation} takes besides the function: ports, version, settings. */
export interface OperationDefinition<I extends PortSpecs, O extends PortSpecs> extends OperationSettings {
  /** Input ports by name (default: none). */
  readonly inputs?: I;
  /** Output ports by name (default: none). */
  readonly outputs?: O;
  /** Version of the behaviour; bump it when outputs change for the same inputs (default 1). */
  readonly version?: number;
  /** Package or module specifier other processes load the definition from; see `@OperationOptions`. */
  readonly module?: string;
  /** Name of the module's export holding the definition (default: the type name). */
  readonly export?: string;
}

/**
 * An operation class made by {@link defineOperation}: `new Train({ id })`
 * gives an operation to add to graphs; {@link Flow} calls it with futures.
 */
export interface DefinedOperationClass<I extends PortSpecs, O extends PortSpecs> {
  new (placement?: OperationPlacement): DefinedOperation<I, O>;
  /** The type name given to {@link defineOperation}. */
  readonly operationType: string;
  /** The definition: ports, version, settings. */
  readonly definition: OperationDefinition<I, O>;
  /** Phantom marker of the input and output value types, for {@link Flow.call}. */
  readonly __ports?: { inputs: SpecInputs<I>; outputs: SpecOutputs<O>; optional: OptionalKeys<I> };
}

/** Names a class at run time (`Train`, for stack traces and messages) without eval. */
function named<T extends abstract new (...args: never[]) => unknown>(name: string, make: () => T): T {
  const ctor = make();
  Object.defineProperty(ctor, 'name', { value: name.replace(/[^A-Za-z0-9_$]/g, '_') || 'DefinedOperation' });
  return ctor;
}

/**
 * Defines an operation from a function: typed ports from a spec, the body as
 * `(inputs, context) => outputs`. The result is an operation class, so it
 * works everywhere classes do (graphs, workers, refs), and it can be called
 * with futures through a {@link Flow}. The compiler checks the function's
 * inputs and outputs against the spec.
 *
 * @example
 * ```ts
 * const Double = defineOperation('double', { inputs: { n: Number }, outputs: { twice: Number } }, ({ n }) => ({ twice: n * 2 }));
 * graph.connect(new Value(21), 'value', new Double({ id: 'double' }), 'n');
 * ```
 */
export function defineOperation<I extends PortSpecs = {}, O extends PortSpecs = {}>( // eslint-disable-line @typescript-eslint/no-empty-object-type
  type: string,
  definition: OperationDefinition<I, O>,
  run: (inputs: SpecInputs<I>, context: ExecutionContext) => SpecOutputs<O> | void | Promise<SpecOutputs<O> | void>,
): DefinedOperationClass<I, O> {
  if (typeof run !== 'function') throw new TypeError(`defineOperation('${type}'): the third argument must be the function (inputs, context) => outputs`);
  const { inputs = {} as I, outputs = {} as O, version, module, export: exportName, ...settings } = definition;
  const ctor = named(type, () => {
    class Defined extends Operation {
      static readonly operationType = type;
      static readonly definition = definition;
      constructor(placement: OperationPlacement = {}) {
        super(placement);
      }
      execute(values: Readonly<Record<string, unknown>>, context: ExecutionContext): unknown {
        return run(values as SpecInputs<I>, context);
      }
    }
    return Defined;
  });
  for (const [name, spec] of Object.entries(inputs)) {
    const s = toSpec(spec);
    recordPort(ctor.prototype, name, 'input', { type: s.type, optional: s.optional, description: s.description, ...(s.hasDefault ? { default: s.default } : {}) });
  }
  for (const [name, spec] of Object.entries(outputs)) {
    const s = toSpec(spec);
    recordPort(ctor.prototype, name, 'output', { type: s.type, description: s.description });
  }
  OperationOptions({ type, ...(version === undefined ? {} : { version }), ...(module === undefined ? {} : { module }), ...(exportName === undefined ? {} : { export: exportName }), ...settings })(ctor);
  return ctor as unknown as DefinedOperationClass<I, O>;
}

function toSpec(spec: PortSpecOrType): PortSpec<unknown> {
  if (spec !== null && typeof spec === 'object' && 'hasDefault' in spec && 'optional' in spec) return spec as PortSpec<unknown>;
  return port(spec as PortType);
}
