import type { PortType, ValueOf } from '../port-type';
import type { CollectInputPort, InputPort, PortOptions } from '../port';
import { recordPort } from './port-metadata';

/** Options of `@Input`: every {@link PortOptions} field but `type` and `collect`. */
export type InputOptions = Omit<PortOptions, 'type' | 'collect'>;

/** The value type a port decorator's type argument stands for (`any` when no type is given). */
export type DecoratedValue<P> = [P] extends [undefined] ? any : ValueOf<P>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Declares an input port. The property's declared type must be
 * `InputPort<T>` (or `InputPort<T | undefined>` for optional inputs) where `T`
 * matches `type`; the compiler rejects a mismatch.
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
  return <K extends string>(
    prototype: { [Q in K]: InputPort<DecoratedValue<P>> | InputPort<DecoratedValue<P> | undefined> },
    propertyKey: K,
  ): void => {
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
  return <K extends string>(prototype: { [Q in K]: CollectInputPort<DecoratedValue<P>> }, propertyKey: K): void => {
    recordPort(prototype, propertyKey, 'input', { ...options, type, collect: true });
  };
}
