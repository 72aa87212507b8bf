import type { PortType } from '../port-type';
import type { OutputPort } from '../port';
import { recordPort } from './port-metadata';
import type { DecoratedValue } from './input';

/**
 * Declares an output port. The property's declared type must be
 * `OutputPort<T>` with `T` matching `type`. `execute` returns the port's value
 * under the property's name.
 *
 * @example
 * ```ts
 * class Greet extends Operation {
 *   @Output(String) greeting!: OutputPort<string>;
 *   execute(): Outputs<Greet> { return { greeting: 'hello' }; }
 * }
 * ```
 */
export function Output<P extends PortType | undefined = undefined>(type?: P, options: { description?: string } = {}) {
  return <K extends string>(prototype: { [Q in K]: OutputPort<DecoratedValue<P>> }, propertyKey: K): void => {
    recordPort(prototype, propertyKey, 'output', { description: options.description, type });
  };
}
