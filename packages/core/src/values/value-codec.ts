import { deserialize, serialize } from 'node:v8';
import { types } from 'node:util';
import { ValueNotSerializableError } from '../errors/errors';

/**
 * Turns port values into bytes and back, for values that leave the process:
 * checkpoints, run stores, remote workers. Values crossing a port are
 * immutable data by contract; a codec is how that data travels.
 *
 * @example
 * ```ts
 * const bytes = v8Codec.encode(new Map([['a', 1n]]));
 * v8Codec.decode(bytes); // Map { 'a' => 1n }
 * ```
 */
export interface ValueCodec {
  /** Name and format version, stored next to encoded values (`v8/1`). */
  readonly format: string;
  /** Encodes a value; throws a `ValueNotSerializableError` naming the path of what cannot be encoded. */
  encode(value: unknown): Uint8Array;
  /** Decodes bytes written by `encode` of the same format; throws a `ValueNotSerializableError` for anything else. */
  decode(bytes: Uint8Array): unknown;
}

/** Magic bytes and format version that start every `v8Codec` encoding. */
const HEADER = Uint8Array.of(0x50, 0x46, 0x01); // 'P', 'F', version 1

/**
 * The default codec: a 3-byte header (`PF` and a format version) and
 * Node's `v8.serialize`, which keeps what JSON loses: `Map`, `Set`, `Date`,
 * `RegExp`, `bigint`, `undefined`, `Buffer`, typed arrays, `ArrayBuffer`,
 * errors and cycles. It refuses functions, symbols, promises, handles and
 * class instances (which would arrive as plain objects without their
 * methods); {@link serializationProblem} says which part, before anything is written.
 */
export const v8Codec: ValueCodec = Object.freeze({
  format: 'v8/1',
  encode(value: unknown): Uint8Array {
    const scalar = encodeScalar(value);
    if (scalar !== undefined) return scalar;
    const problem = serializationProblem(value, 'value');
    if (problem !== undefined) throw new ValueNotSerializableError(`Cannot encode the value: ${problem}`);
    const body = serialize(value);
    const out = new Uint8Array(HEADER.length + body.length);
    out.set(HEADER, 0);
    out.set(body, HEADER.length);
    return out;
  },
  decode(bytes: Uint8Array): unknown {
    if (!(bytes instanceof Uint8Array) || bytes.length < HEADER.length || bytes[0] !== HEADER[0] || bytes[1] !== HEADER[1]) {
      throw new ValueNotSerializableError('Cannot decode: these bytes were not written by the v8 value codec (no PF header)');
    }
    if (bytes[2] !== HEADER[2]) {
      throw new ValueNotSerializableError(`Cannot decode: value codec format version ${bytes[2]} is not supported by this build (it reads version ${HEADER[2]}); upgrade @portflow/core`);
    }
    try {
      return deserialize(bytes.subarray(HEADER.length));
    } catch (error) {
      throw new ValueNotSerializableError(`Cannot decode: the encoded value is damaged (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
  },
});

/**
 * Why `value` cannot cross a thread, process or store intact, naming the
 * first offending path (`value.model.predict is a function; ...`), or
 * `undefined` when it can. The one check shared by worker threads,
 * checkpoints and remote workers. Walks at most `budget` nodes (default
 * 100,000) and assumes the rest is fine.
 *
 * @example
 * ```ts
 * serializationProblem({ at: new Date(), ids: new Set([1]) }, 'outputs'); // undefined
 * serializationProblem({ fit: () => 1 }, 'outputs'); // 'outputs.fit is a function; ...'
 * ```
 */
export function serializationProblem(value: unknown, path: string, budget = 100_000): string | undefined {
  return walk(value, path, { budget }, new Set());
}

function walk(value: unknown, path: string, state: { budget: number }, seen: Set<object>): string | undefined {
  if (--state.budget < 0) return undefined;
  if (typeof value === 'function') return `${path} is a function; functions and closures cannot leave their process: carry data, and name behaviour by a param`;
  if (typeof value === 'symbol') return `${path} is a symbol, which cannot leave its process`;
  if (value === null || typeof value !== 'object' || seen.has(value)) return undefined;
  seen.add(value);
  if (ArrayBuffer.isView(value) || types.isAnyArrayBuffer(value) || types.isDate(value) || types.isRegExp(value) || types.isNativeError(value) || types.isBoxedPrimitive(value)) {
    return undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = walk(value[i], `${path}[${i}]`, state, seen);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  if (types.isMap(value)) {
    for (const [k, v] of value as Map<unknown, unknown>) {
      const p = walk(k, `${path} (a Map key)`, state, seen) ?? walk(v, `${path}.get(${typeof k === 'string' ? JSON.stringify(k) : '…'})`, state, seen);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  if (types.isSet(value)) {
    for (const v of value as Set<unknown>) {
      const p = walk(v, `${path} (a Set member)`, state, seen);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  if (types.isPromise(value) || types.isWeakMap(value) || types.isWeakSet(value) || types.isProxy(value)) {
    return `${path} is a ${types.isPromise(value) ? 'Promise' : types.isProxy(value) ? 'Proxy' : types.isWeakMap(value) ? 'WeakMap' : 'WeakSet'}, which cannot leave its process; resolve it to data first`;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name || 'object';
    return `${path} is a ${name} instance; it would arrive as a plain object without its class and methods: carry plain data (objects, arrays, Maps, typed arrays) and rebuild the instance where it is used`;
  }
  for (const key of Object.keys(value)) {
    const p = walk((value as Record<string, unknown>)[key], `${path}.${key}`, state, seen);
    if (p !== undefined) return p;
  }
  return undefined;
}

/**
 * The codec's bytes for a scalar (a number, boolean, null, undefined or a
 * short ASCII string), written directly in V8's serialization format:
 * `v8.serialize` costs about 2 µs even for `0`, mostly its fixed setup, and
 * small outputs are common. Checked against `v8.serialize` when this module
 * loads; if this Node.js writes anything differently, the fast path is off.
 * Numbers are written by value (an integer in the small-integer range as
 * one, anything else as a double), so equal numbers always encode alike.
 */
function encodeScalar(value: unknown): Uint8Array | undefined {
  return scalars ? encodeScalarUnchecked(value) : undefined;
}

const V8_HEADER = serialize(0).subarray(0, 2); // 0xFF and V8's format version
/** The largest integer V8 serializes as a small integer ('I'): 2^30 - 1 or 2^31 - 1, depending on the build. */
const SMI_MAX = serialize(2 ** 30)[2] === 0x49 ? 2 ** 31 - 1 : 2 ** 30 - 1;
const SHORT_STRING = 64;

function start(length: number): Uint8Array {
  const out = new Uint8Array(HEADER.length + V8_HEADER.length + length);
  out.set(HEADER, 0);
  out.set(V8_HEADER, HEADER.length);
  return out;
}

function fixed(tag: number): Uint8Array {
  const out = start(1);
  out[out.length - 1] = tag;
  return out;
}

function encodeNumber(n: number): Uint8Array {
  if (Number.isInteger(n) && n >= -SMI_MAX - 1 && n <= SMI_MAX && !Object.is(n, -0)) {
    let zigzag = n >= 0 ? n * 2 : -n * 2 - 1;
    const bytes = [0x49];
    while (zigzag >= 0x80) {
      bytes.push((zigzag % 0x80) | 0x80);
      zigzag = Math.floor(zigzag / 0x80);
    }
    bytes.push(zigzag);
    const out = start(bytes.length);
    out.set(bytes, HEADER.length + V8_HEADER.length);
    return out;
  }
  const out = start(9);
  const at = HEADER.length + V8_HEADER.length;
  out[at] = 0x4e;
  new DataView(out.buffer).setFloat64(at + 1, n, true);
  return out;
}

function encodeAscii(s: string): Uint8Array | undefined {
  if (s.length > SHORT_STRING) return undefined;
  const out = start(2 + s.length);
  let at = HEADER.length + V8_HEADER.length;
  out[at++] = 0x22;
  out[at++] = s.length; // < 0x80: one varint byte
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return undefined;
    out[at++] = c;
  }
  return out;
}

/** Whether the fast path writes what `v8.serialize` writes for a range of scalars (else it stays off). */
const scalars: boolean = (() => {
  // Kept in separate arrays: an array holding a fraction stores its integers as doubles too,
  // and v8.serialize writes those as doubles ('N'): it writes a number as V8 happens to hold it.
  const integers = [0, 1, -1, 63, 64, -64, -65, 127, 128, 300, -300, 2 ** 20, SMI_MAX, -SMI_MAX - 1];
  const doubles = [SMI_MAX + 1, 0.5, -0, NaN, Infinity, 1e300];
  const others = [true, false, null, undefined, '', 'a', 'hello world', 'x'.repeat(SHORT_STRING)];
  try {
    return [integers, doubles, others].every((samples: readonly unknown[]) => samples.every((v) => {
      const fast = encodeScalarUnchecked(v);
      const body = serialize(v);
      return fast !== undefined && fast.length === HEADER.length + body.length && body.every((b, i) => fast[HEADER.length + i] === b);
    }));
  } catch {
    return false;
  }
})();

function encodeScalarUnchecked(value: unknown): Uint8Array | undefined {
  switch (typeof value) {
    case 'number':
      return encodeNumber(value);
    case 'boolean':
      return fixed(value ? 0x54 : 0x46);
    case 'undefined':
      return fixed(0x5f);
    case 'string':
      return encodeAscii(value);
    default:
      return value === null ? fixed(0x30) : undefined;
  }
}
