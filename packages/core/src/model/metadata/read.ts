import 'reflect-metadata';
import { OPERATION_IDENTITY_METADATA, OPERATION_OPTIONS_METADATA, PORTS_METADATA } from './keys';
import type { PortRecord } from './record';
import { createPort, type CompiledPort } from '../ports/port-descriptor';
import { markClassPorts } from '../ports/port-layouts';
import type { OperationSettings } from '../operation-settings';
import type { PortDescriptor } from '../ports/port';

const classPorts = new WeakMap<Function, ReadonlyMap<string, CompiledPort>>(); // eslint-disable-line @typescript-eslint/no-unsafe-function-type

/**
 * The ports a class declares with decorators, its ancestors' first, read once
 * per class. @internal
 */
export function readClassPorts(ctor: Function): ReadonlyMap<string, CompiledPort> { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  const cached = classPorts.get(ctor);
  if (cached) return cached;
  const parent = Object.getPrototypeOf(ctor) as Function | null; // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  const ports = new Map(parent && parent !== Function.prototype ? readClassPorts(parent) : undefined);
  const records: readonly PortRecord[] = Reflect.getOwnMetadata(PORTS_METADATA, ctor) ?? [];
  for (const record of records) {
    ports.set(record.name, createPort(ctor.name, record.name, record.direction, record.options));
  }
  classPorts.set(ctor, ports);
  markClassPorts(ports);
  return ports;
}

const defaultsByClass = new WeakMap<Function, Readonly<OperationSettings>>(); // eslint-disable-line @typescript-eslint/no-unsafe-function-type
const NO_SETTINGS: Readonly<OperationSettings> = Object.freeze({});

/** Settings from `@OperationOptions` on the class or its ancestors, frozen, read once per class. @internal */
export function readOperationDefaults(ctor: Function): Readonly<OperationSettings> { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  let defaults = defaultsByClass.get(ctor);
  if (defaults === undefined) {
    const declared = Reflect.getMetadata(OPERATION_OPTIONS_METADATA, ctor) as OperationSettings | undefined;
    defaults = declared === undefined ? NO_SETTINGS : Object.isFrozen(declared) ? declared : Object.freeze({ ...declared });
    defaultsByClass.set(ctor, defaults);
  }
  return defaults;
}

/** Forgets what {@link readOperationDefaults} read for `ctor` (its options just changed). @internal */
export function forgetOperationDefaults(ctor: Function): void { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  defaultsByClass.delete(ctor);
}

/** Identity of an operation class: its declared type, version and module. @internal */
export interface OperationIdentity {
  readonly type: string;
  readonly version: number;
  readonly module: string | undefined;
  readonly exportName: string;
}

const identities = new WeakMap<Function, OperationIdentity>(); // eslint-disable-line @typescript-eslint/no-unsafe-function-type

/**
 * The type name, version and module `@OperationOptions` declared on exactly
 * this class (a subclass does not inherit them): type defaults to the class
 * name, version to 1. @internal
 */
export function readOperationIdentity(ctor: Function): OperationIdentity { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  let identity = identities.get(ctor);
  if (identity === undefined) {
    const own = Reflect.getOwnMetadata(OPERATION_IDENTITY_METADATA, ctor) as Partial<OperationIdentity> | undefined;
    identity = Object.freeze({ type: own?.type ?? (ctor.name || 'Operation'), version: own?.version ?? 1, module: own?.module, exportName: own?.exportName ?? ctor.name });
    identities.set(ctor, identity);
  }
  return identity;
}

/**
 * The ports an operation class declares with decorators, read without
 * constructing it (ports added by `addInputPort` in a constructor are not
 * included). For tooling: registries, documentation, editors.
 *
 * @example
 * ```ts
 * declaredPorts(Add).map((p) => `${p.direction} ${p.name}: ${p.typeName}`); // ['input a: number', ...]
 * ```
 */
export function declaredPorts(operationClass: abstract new (...args: never[]) => object): readonly PortDescriptor[] {
  return [...readClassPorts(operationClass).values()];
}
