import type { PortType, ValueOf } from '../ports/port-type';
import type { CollectInputPort, InputPort, OutputPort, PortOptions } from '../ports/port';
import { recordPort } from '../metadata/record';
import { requireExperimentalDecorators } from './decorator-mode';

/** Options of `@Input`: every {@link PortOptions} field but `type` and `collect`. */
export type InputOptions = Omit<PortOptions, 'type' | 'collect'>;

/** The value type a port decorator's type argument stands for (`any` when no type is given). */
export type DecoratedValue<P> = [P] extends [undefined] ? any : ValueOf<P>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Whether one of two types is assignable to the other. */
type Related<A, B> = [A] extends [B] ? true : [B] extends [A] ? true : false;

/**
 * `K` when property `K` of `O` is declared as a port of the decorator's kind
 * whose value type `X` is related to the decorator's type `V` (one assignable
 * to the other); otherwise `never`, which makes the decorator a compile
 * error. So `@Input(Number)` fits `InputPort<number>` and
 * `InputPort<number | undefined>`, `@Input(Array)` fits `InputPort<string[]>`,
 * `@Input(Uint8Array)` fits `InputPort<Uint8Array>`, and `@Input(Number)` on
 * `InputPort<string>` or on an `OutputPort` does not compile.
 */
export type PortKeyCheck<O, K extends keyof O, Kind extends PortKind, V> = [PortKindOf<O[K]>] extends [never]
  ? NotAPortProperty<{ property: K; expected: { input: 'InputPort<T>'; collect: 'CollectInputPort<T>'; output: 'OutputPort<T>' }[Kind] }>
  : PortKindOf<O[K]> extends Kind
    ? 0 extends 1 & V // an untyped decorator (V is any) fits any value type, generic ones included
      ? K
      : Related<V, PortValueOf<O[K]>> extends true
        ? K
        : DecoratorTypeMismatch<{ property: K; decorator: V; declared: PortValueOf<O[K]> }>
    : DecoratorKindMismatch<{ property: K; decorator: Kind; declared: PortKindOf<O[K]> }>;

/**
 * Shown by the compiler when a port decorator's type does not fit the
 * property's declared port type (`@Input(Number) name!: InputPort<string>`).
 */
export interface DecoratorTypeMismatch<Detail> {
  readonly 'the decorator type does not fit the declared port type': Detail;
}

/** Shown when a port decorator sits on a port of another kind (`@Input` on an `OutputPort`). */
export interface DecoratorKindMismatch<Detail> {
  readonly 'the decorator is for another kind of port': Detail;
}

/** Shown when a port decorator sits on a property not typed as a port. */
export interface NotAPortProperty<Detail> {
  readonly 'declare the property with a port type': Detail;
}

/** The kinds of port property a decorator can sit on. */
type PortKind = 'input' | 'collect' | 'output';

/** Which kind of port a property's declared type is (never for other properties). */
type PortKindOf<P> =
  P extends InputPort<unknown> ? 'input' : P extends CollectInputPort<unknown> ? 'collect' : P extends OutputPort<unknown> ? 'output' : never;

/** The value type a port property's declared type carries. */
type PortValueOf<P> = P extends InputPort<infer X> | CollectInputPort<infer X> | OutputPort<infer X> ? X : never;

/**
 * Declares an input port. The property's declared type must be
 * `InputPort<T>` where `T` can hold values of `type` (`InputPort<T | undefined>`
 * for optional inputs); the compiler rejects a mismatch.
 *
 * @param type - runtime type of the value (`Number`, `Buffer`, a class, a {@link guard}).
 * @param options - optional / default / description.
 * @example
 * ```ts
 * class Scale extends Operation {
 *   @Input(Number) value!: InputPort<number>;
 *   @Input(Number, { default: 2 }) factor!: InputPort<number>;
 *   @Output(Number) scaled!: OutputPort<number>;
 *   execute({ value, factor }: Inputs<Scale>): Outputs<Scale> { return { scaled: value * factor }; }
 * }
 * ```
 */
export function Input<P extends PortType | undefined = undefined>(type?: P, options: InputOptions = {}) {
  return <O extends object, K extends keyof O & string>(prototype: O, propertyKey: K & PortKeyCheck<O, K, 'input', DecoratedValue<P>>): void => {
    requireExperimentalDecorators('@Input', propertyKey);
    recordPort(prototype, propertyKey, 'input', { ...options, type });
  };
}

/**
 * Declares a collecting input port: many outputs may connect to it and it
 * receives their values as an array, in the order the channels were connected.
 * The property's declared type is `CollectInputPort<T>`.
 *
 * @example
 * ```ts
 * class Sum extends Operation {
 *   @Collect(Number) terms!: CollectInputPort<number>;
 *   @Output(Number) total!: OutputPort<number>;
 *   execute({ terms }: Inputs<Sum>): Outputs<Sum> { return { total: terms.reduce((a, b) => a + b, 0) }; }
 * }
 * ```
 */
export function Collect<P extends PortType | undefined = undefined>(type?: P, options: Omit<InputOptions, 'default'> = {}) {
  return <O extends object, K extends keyof O & string>(prototype: O, propertyKey: K & PortKeyCheck<O, K, 'collect', DecoratedValue<P>>): void => {
    requireExperimentalDecorators('@Collect', propertyKey);
    recordPort(prototype, propertyKey, 'input', { ...options, type, collect: true });
  };
}
