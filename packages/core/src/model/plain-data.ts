/**
 * Checks and helpers for JSON-shaped data: what operation params and
 * operation references may hold, so they can be written to a store, sent to
 * another machine and hashed the same way everywhere.
 */

/** A JSON value: what {@link OperationRef} params and settings hold. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * Why `value` is not JSON data (a plain object, array, string, finite number,
 * boolean or null, all the way down), naming the first offending path; or
 * `undefined` when it is.
 *
 * @example
 * ```ts
 * jsonProblem({ when: new Date() }, 'params'); // "params.when is a Date; ..."
 * ```
 */
export function jsonProblem(value: unknown, path: string, seen: Set<object> = new Set()): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${String(value)}, which JSON cannot hold; use a finite number or null`;
    case 'undefined':
      return `${path} is undefined; leave the key out or use null`;
    case 'bigint':
      return `${path} is a bigint, which JSON cannot hold; use a number or a decimal string`;
    case 'function':
      return `${path} is a function; params are data (JSON), so pass a name or a setting the operation turns into behaviour`;
    case 'symbol':
      return `${path} is a symbol, which JSON cannot hold`;
  }
  if (value === null) return undefined;
  const object = value as object;
  if (seen.has(object)) return `${path} refers back to itself; JSON cannot hold cycles`;
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) {
        const p = jsonProblem(object[i], `${path}[${i}]`, seen);
        if (p !== undefined) return p;
      }
      return undefined;
    }
    const proto = Object.getPrototypeOf(object) as object | null;
    if (proto !== Object.prototype && proto !== null) {
      const name = (object as { constructor?: { name?: string } }).constructor?.name || 'object';
      return `${path} is a ${name}; params hold plain JSON data (objects, arrays, strings, numbers, booleans, null)`;
    }
    for (const key of Object.keys(object)) {
      const p = jsonProblem((object as Record<string, unknown>)[key], `${path}.${key}`, seen);
      if (p !== undefined) return p;
    }
    return undefined;
  } finally {
    seen.delete(object);
  }
}

/**
 * A deep copy of JSON data with every object and array frozen. The input is
 * assumed to pass {@link jsonProblem}.
 */
export function frozenJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return Object.freeze(value.map((v: unknown) => frozenJson(v))) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = frozenJson((value as Record<string, unknown>)[key]);
  return Object.freeze(out) as T;
}

/**
 * JSON text of `value` with object keys sorted at every level, so equal data
 * always gives equal text (for hashing and comparing refs).
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}
