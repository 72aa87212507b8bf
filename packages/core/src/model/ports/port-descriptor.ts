import { compilePortType, type CompiledType } from './port-type';
import type { PortDescriptor, PortDirection, PortOptions } from './port';

/** A port descriptor plus its compiled runtime check. @internal */
export interface CompiledPort extends PortDescriptor {
  readonly check: CompiledType;
}

const PORT_NAME = /^[A-Za-z_$][\w$-]*$/;

/** Builds a frozen port descriptor, rejecting nonsense options early. @internal */
export function createPort(owner: string, name: string, direction: PortDirection, options: PortOptions = {}): CompiledPort {
  if (typeof name !== 'string' || !PORT_NAME.test(name)) {
    throw new TypeError(
      `${owner}: port name ${JSON.stringify(name)} is not valid; use letters, digits, '_', '-' or '$', starting with a letter`,
    );
  }
  if (direction === 'output' && (options.optional || 'default' in options || options.collect)) {
    throw new TypeError(`${owner}: output port '${name}' cannot be optional, have a default or collect; those are input options`);
  }
  const check = compilePortType(options.type);
  const hasDefault = Object.prototype.hasOwnProperty.call(options, 'default');
  return Object.freeze({
    name,
    direction,
    type: options.type,
    typeName: check.name,
    optional: options.optional === true || hasDefault,
    hasDefault,
    default: options.default,
    description: options.description,
    collect: options.collect === true,
    check,
  });
}
