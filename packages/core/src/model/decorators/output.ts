import type { PortType } from '../ports/port-type';
import { recordPort } from '../metadata/record';
import { requireExperimentalDecorators } from './decorator-mode';
import type { DecoratedValue, PortKeyCheck } from './input';

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
  return <O extends object, K extends keyof O & string>(prototype: O, propertyKey: K & PortKeyCheck<O, K, 'output', DecoratedValue<P>>): void => {
    requireExperimentalDecorators('@Output', propertyKey);
    recordPort(prototype, propertyKey, 'output', { description: options.description, type });
  };
}
