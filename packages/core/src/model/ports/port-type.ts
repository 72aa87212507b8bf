/**
 * A runtime type check with a name, for values a constructor cannot describe
 * (unions, shapes, branded strings). Create one with {@link guard}.
 *
 * @example
 * ```ts
 * const PositiveNumber = guard('PositiveNumber', (v): v is number => typeof v === 'number' && v > 0);
 * ```
 */
export interface TypeGuard<T> {
  /** Shown in error messages and renderings. */
  readonly typeName: string;
  /** Returns true when `value` is a `T`. */
  readonly is: (value: unknown) => value is T;
}

/** A constructor usable as a port type: `Number`, `String`, `Buffer`, any class. */
export type PortConstructor = abstract new (...args: never[]) => unknown;

/**
 * What a port's value is, known at run time: a constructor (`Number`, `String`,
 * `Boolean`, `BigInt`, `Symbol`, `Buffer`, `Array`, a class) or a {@link TypeGuard}. Arrow functions
 * `(v: unknown): v is T => ...` are accepted as anonymous guards.
 */
export type PortType = PortConstructor | BigIntConstructor | SymbolConstructor | TypeGuard<unknown> | ((value: unknown) => boolean);

/**
 * The TypeScript value type described by a {@link PortType}:
 * `ValueOf<NumberConstructor>` is `number`, `ValueOf<typeof Buffer>` is `Buffer`.
 */
export type ValueOf<P> = P extends NumberConstructor
  ? number
  : P extends StringConstructor
    ? string
    : P extends BooleanConstructor
      ? boolean
      : P extends BigIntConstructor
        ? bigint
        : P extends SymbolConstructor
          ? symbol
          : P extends ArrayConstructor
            ? unknown[]
            : P extends ObjectConstructor
              ? unknown
              : P extends TypeGuard<infer T>
                ? T
                : P extends (value: unknown) => value is infer T
                  ? T
                  : P extends abstract new (...args: never[]) => infer T
                    ? T
                    : unknown;

/**
 * Makes a named {@link TypeGuard}.
 *
 * @example
 * ```ts
 * const Row = guard('Row', (v): v is { id: number } => typeof (v as any)?.id === 'number');
 * class Sink extends Operation { @Input(Row) row!: InputPort<{ id: number }>; ... }
 * ```
 */
export function guard<T>(typeName: string, is: (value: unknown) => value is T): TypeGuard<T> {
  if (typeof is !== 'function') {
    throw new TypeError(`guard('${typeName}', ...) needs a function (value) => boolean as its second argument`);
  }
  return Object.freeze({ typeName, is });
}

/** A compiled runtime check: its name, and a test that never throws. @internal */
export interface CompiledType {
  readonly name: string;
  /** null when the check accepts everything (e.g. `Object`). */
  readonly test: ((value: unknown) => boolean) | null;
  /** The original spec, used to compare two ports' types. */
  readonly source: PortType | undefined;
}

const ANY: CompiledType = Object.freeze({ name: 'unknown', test: null, source: undefined });

function isTypeGuard(type: unknown): type is TypeGuard<unknown> {
  return typeof type === 'object' && type !== null && typeof (type as TypeGuard<unknown>).is === 'function';
}

/** Turns a port type into a runtime check. @internal */
export function compilePortType(type: PortType | undefined): CompiledType {
  if (type === undefined || type === Object) return ANY;
  if (isTypeGuard(type)) {
    const is = type.is;
    return { name: type.typeName, test: (v) => is(v) === true, source: type };
  }
  if (typeof type !== 'function') {
    throw new TypeError(`A port type must be a constructor or a guard, got ${describeValue(type)}`);
  }
  switch (type as unknown) {
    case Number:
      return { name: 'number', test: (v) => typeof v === 'number', source: type };
    case String:
      return { name: 'string', test: (v) => typeof v === 'string', source: type };
    case Boolean:
      return { name: 'boolean', test: (v) => typeof v === 'boolean', source: type };
    case BigInt:
      return { name: 'bigint', test: (v) => typeof v === 'bigint', source: type };
    case Symbol:
      return { name: 'symbol', test: (v) => typeof v === 'symbol', source: type };
    case Array:
      return { name: 'Array', test: Array.isArray, source: type };
    case Function:
      return { name: 'Function', test: (v) => typeof v === 'function', source: type };
  }
  // Arrow functions have no prototype: they are guards, not constructors.
  if (!Object.prototype.hasOwnProperty.call(type, 'prototype')) {
    const fn = type as (value: unknown) => boolean;
    return { name: fn.name || 'guard', test: (v) => fn(v) === true, source: type };
  }
  const ctor = type as PortConstructor;
  return { name: ctor.name || 'anonymous class', test: (v) => v instanceof ctor, source: type };
}

/**
 * Whether a value of `source` type can flow into a port of `target` type.
 * Returns `undefined` when it cannot be decided (one side is a guard or unknown).
 * @internal
 */
export function typesCompatible(source: CompiledType, target: CompiledType): boolean | undefined {
  if (target.test === null || source.test === null) return undefined;
  if (source.source === target.source) return true;
  const s = source.source;
  const t = target.source;
  const primitives: unknown[] = [Number, String, Boolean, BigInt, Symbol];
  const sIsCtor = typeof s === 'function' && Object.prototype.hasOwnProperty.call(s, 'prototype');
  const tIsCtor = typeof t === 'function' && Object.prototype.hasOwnProperty.call(t, 'prototype');
  if (!sIsCtor || !tIsCtor) return undefined;
  if (primitives.includes(s) || primitives.includes(t)) return false;
  const sProto = (s as { prototype: object }).prototype;
  const tCtor = t as unknown as { prototype: object };
  return sProto instanceof (tCtor as unknown as new () => object) || sProto === tCtor.prototype;
}

/** A short, safe description of a value's type for error messages. @internal */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  const t = typeof value;
  if (t !== 'object' && t !== 'function') {
    return t;
  }
  if (Array.isArray(value)) return `Array(${value.length})`;
  const ctor = (value as { constructor?: { name?: string } }).constructor;
  return ctor?.name ? ctor.name : 'object';
}
