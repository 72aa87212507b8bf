import { constructorParamTypes } from './constructor-params';
import 'reflect-metadata';
import { DynamicOperation, Operation, declaredPorts, type PortDescriptor } from '@portflow/core';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { readComponentMetadata, type ParamsClass } from './decorators/component';
import { ComponentRegistrationError } from './errors';
import { paramNames } from './params-validation';
import { StepInit } from './step-init';

/** A class that `@Component` decorated: an `Operation` subclass. */
export type ComponentClass = abstract new (...args: never[]) => Operation;

/** One param of a component, for listings and docs. */
export interface ParamDescriptor {
  readonly name: string;
  /** From the property's declared type: `string`, `number`, `boolean`, `Array`, `object`... */
  readonly type: string;
  /** Marked `@IsOptional()` or given a default in the params class. */
  readonly optional: boolean;
  /** The property's initial value in the params class, if any. */
  readonly default: unknown;
}

/** What a registry knows of a component. Plain data but for the classes. */
export interface ComponentDescriptor {
  readonly name: string;
  readonly description: string | undefined;
  readonly componentClass: ComponentClass;
  readonly paramsClass: ParamsClass | undefined;
  readonly params: readonly ParamDescriptor[];
  /** Ports declared with decorators (dynamic components add more per step). */
  readonly ports: readonly PortDescriptor[];
  /** Whether the component extends `DynamicOperation` and declares ports per step. */
  readonly dynamicPorts: boolean;
  /** The input fed by a `depends_on` step in the pipeline form, if any. */
  readonly primaryInput: string | undefined;
  /** The output that feeds dependent steps in the pipeline form, if any. */
  readonly primaryOutput: string | undefined;
}

/** Reads `@Component` and the class's ports into a descriptor; throws if `cls` is not a component. @internal */
export function describeComponent(cls: ComponentClass): ComponentDescriptor {
  const record = typeof cls === 'function' ? readComponentMetadata(cls) : undefined;
  const label = typeof cls === 'function' ? cls.name || 'anonymous class' : String(cls);
  if (record === undefined) {
    throw new ComponentRegistrationError(`${label} is not a component: decorate it with @Component('name')`);
  }
  if (!(cls.prototype instanceof Operation)) {
    throw new ComponentRegistrationError(`Component '${record.name}' (${label}) must extend Operation from @portflow/core`);
  }
  const paramTypes: unknown[] = constructorParamTypes(record.name, cls);
  if (paramTypes.length > 0 && !paramTypes.includes(StepInit)) {
    throw new ComponentRegistrationError(
      `Component '${record.name}' (${label}): its constructor must take an 'init: StepInit' parameter and pass it to super(init), ` +
        `so the step's id, retry, timeout and resource hint reach the operation`,
    );
  }
  const ports = declaredPorts(cls);
  const { primaryInput, primaryOutput, params: paramsClass, description } = record.options;
  for (const [name, direction] of [
    [primaryInput, 'input'],
    [primaryOutput, 'output'],
  ] as const) {
    if (name !== undefined && !ports.some((p) => p.name === name && p.direction === direction)) {
      throw new ComponentRegistrationError(`Component '${record.name}': primary ${direction} '${name}' is not a declared ${direction} port`);
    }
  }
  return Object.freeze({
    name: record.name,
    description,
    componentClass: cls,
    paramsClass,
    params: describeParams(paramsClass),
    ports,
    dynamicPorts: cls.prototype instanceof DynamicOperation,
    primaryInput: primaryInput ?? ports.find((p) => p.direction === 'input')?.name,
    primaryOutput: primaryOutput ?? ports.find((p) => p.direction === 'output')?.name,
  });
}

function describeParams(paramsClass: ParamsClass | undefined): ParamDescriptor[] {
  if (paramsClass === undefined) return [];
  const defaults = new paramsClass() as Record<string, unknown>;
  const metadata = getMetadataStorage().getTargetValidationMetadatas(paramsClass, '', true, false);
  return paramNames(paramsClass).map((name) => {
    const designType = Reflect.getMetadata('design:type', paramsClass.prototype, name) as { name?: string } | undefined;
    const conditional = metadata.some((m) => m.propertyName === name && m.type === ValidationTypes.CONDITIONAL_VALIDATION);
    return {
      name,
      type: typeName(designType?.name),
      optional: conditional || defaults[name] !== undefined,
      default: defaults[name],
    };
  });
}

function typeName(name: string | undefined): string {
  switch (name) {
    case 'String':
      return 'string';
    case 'Number':
      return 'number';
    case 'Boolean':
      return 'boolean';
    case undefined:
    case 'Object':
      return 'any';
    default:
      return name;
  }
}
