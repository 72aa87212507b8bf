import 'reflect-metadata';
import { PORTS_METADATA } from './keys';
import type { PortDirection, PortOptions } from '../ports/port';

/** What a port decorator records on its class. @internal */
export interface PortRecord {
  readonly name: string;
  readonly direction: PortDirection;
  readonly options: PortOptions;
}

/** Appends a port record to the class's own metadata. Decorators call this and nothing else. @internal */
export function recordPort(prototype: object, name: string | symbol, direction: PortDirection, options: PortOptions): void {
  if (typeof name !== 'string') {
    throw new TypeError(`Ports must be string-named properties; ${String(name)} is a symbol`);
  }
  const ctor = prototype.constructor;
  const own: PortRecord[] = Reflect.getOwnMetadata(PORTS_METADATA, ctor) ?? [];
  Reflect.defineMetadata(PORTS_METADATA, [...own, { name, direction, options }], ctor);
}
