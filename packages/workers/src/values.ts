/**
 * Values crossing between threads: which can, which buffers move, and how
 * Buffers and this realm's classes come out the other side. Loads without
 * `@portflow/core`: the worker entry imports it.
 * @internal
 */
import { types } from 'node:util';

/** Top-level values that were Buffers (`b`) or arrays of Buffers (`a`): structured clone turns them into Uint8Array. */
export type BufferTags = Record<string, 'b' | 'a'>;

/** Whether `value` survives `structuredClone` (it is tried; keep it for small values). */
export function isCloneable(value: unknown): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return true;
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `value` can be posted to another thread, like {@link isCloneable}
 * but without copying what it can check by shape: primitives, arrays, plain
 * objects, Map, Set, Date, RegExp, ArrayBuffers and their views are walked
 * (functions and symbols fail at once); anything else (class instances,
 * platform objects) is tried with `structuredClone`, on its own.
 */
export function isPostable(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return typeof value !== 'function' && typeof value !== 'symbol';
  if (isFlatRecord(value)) return true; // the common case: no walk
  const stack: unknown[] = [value];
  let seen: Set<object> | undefined;
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'function' || typeof v === 'symbol') return false;
    if (v === null || typeof v !== 'object') continue;
    if (seen?.has(v)) continue;
    (seen ??= new Set()).add(v);
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && (typeof x === 'object' || typeof x === 'function' || typeof x === 'symbol')) stack.push(x);
    } else if (types.isAnyArrayBuffer(v) || ArrayBuffer.isView(v) || types.isDate(v) || types.isRegExp(v)) {
      continue;
    } else if (types.isMap(v)) {
      for (const [k, x] of v as Map<unknown, unknown>) stack.push(k, x);
    } else if (types.isSet(v)) {
      for (const x of v as Set<unknown>) stack.push(x);
    } else if (isPlainObject(v) && !types.isProxy(v)) {
      for (const key of Object.keys(v)) {
        const x = (v as Record<string, unknown>)[key];
        if (x !== null && (typeof x === 'object' || typeof x === 'function' || typeof x === 'symbol')) stack.push(x);
      }
    } else if (!isCloneable(v)) {
      return false;
    }
  }
  return true;
}

/** A plain object (no proxy) whose own values are all primitives other than symbols. */
function isFlatRecord(value: object): boolean {
  if (!isPlainObject(value) || types.isProxy(value)) return false;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== null && (typeof v === 'object' || typeof v === 'function' || typeof v === 'symbol')) return false;
  }
  return true;
}

/**
 * Prepares a record of port values for crossing: top-level Buffers (and
 * arrays of Buffers) are noted, so the other side makes Buffers of the
 * Uint8Arrays that structured clone delivers.
 */
export function tagBuffers(values: unknown): BufferTags | undefined {
  if (values === null || typeof values !== 'object') return undefined;
  let tags: BufferTags | undefined;
  for (const key of Object.keys(values)) {
    const v = (values as Record<string, unknown>)[key];
    if (Buffer.isBuffer(v)) (tags ??= {})[key] = 'b';
    else if (Array.isArray(v) && v.length > 0 && v.every((x) => Buffer.isBuffer(x))) (tags ??= {})[key] = 'a';
  }
  return tags;
}

/** The receiving side of {@link tagBuffers}: Uint8Arrays back into Buffers (no copy). */
export function restoreBuffers(values: unknown, tags: BufferTags | undefined): void {
  if (tags === undefined || values === null || typeof values !== 'object') return;
  const record = values as Record<string, unknown>;
  // util.types checks work across realms (jest runs tests in a vm context).
  const toBuffer = (u: unknown): unknown => (types.isUint8Array(u) && !Buffer.isBuffer(u) ? Buffer.from(u.buffer, u.byteOffset, u.byteLength) : u);
  for (const [key, tag] of Object.entries(tags)) {
    const v = record[key];
    record[key] = tag === 'b' ? toBuffer(v) : Array.isArray(v) ? v.map(toBuffer) : v;
  }
}

/**
 * The ArrayBuffers inside `value` that can be moved rather than copied. A
 * view that covers only part of its buffer (e.g. a small `Buffer` sharing
 * Node's allocation pool) is left to be copied: moving its buffer would
 * detach memory that other values use.
 */
export function transferables(value: unknown): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>();
  const seen = new Set<object>();
  const visit = (v: unknown, depth: number): void => {
    if (v === null || typeof v !== 'object' || depth > 64 || seen.has(v)) return;
    seen.add(v);
    if (types.isArrayBuffer(v)) {
      if (v.byteLength > 0) found.add(v);
      return;
    }
    if (ArrayBuffer.isView(v)) {
      const b = v.buffer;
      if (types.isArrayBuffer(b) && v.byteOffset === 0 && v.byteLength === b.byteLength && b.byteLength > 0) found.add(b);
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) visit(x, depth + 1);
      return;
    }
    if (types.isMap(v)) {
      for (const [k, x] of v as Map<unknown, unknown>) {
        visit(k, depth + 1);
        visit(x, depth + 1);
      }
      return;
    }
    if (types.isSet(v)) {
      for (const x of v as Set<unknown>) visit(x, depth + 1);
      return;
    }
    if (isPlainObject(v)) for (const key of Object.keys(v)) visit((v as Record<string, unknown>)[key], depth + 1);
  };
  visit(value, 0);
  return [...found];
}

/** An object literal (or null-prototype object), from any realm. */
export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === null || proto === Object.prototype) return true;
  return Object.getPrototypeOf(proto) === null && (proto as { constructor?: { name?: string } }).constructor?.name === 'Object';
}

type ViewConstructor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayBufferView;

/**
 * Makes the top-level values of a record of port values instances of this
 * realm's classes (`Map`, `Set`, `Date`, `RegExp`, typed arrays and
 * `DataView`; Buffers are left as they are), in place. Structured clone and
 * `v8.deserialize` build values in Node's main realm; code running in
 * another realm (a `vm` context, as jest runs tests) would see `instanceof
 * Map` / `Date` / `Float64Array` fail, and with them the engine's port type
 * checks. A no-op when the realms are the same, which is the case outside
 * such sandboxes, and for anything but a plain record (arrays, primitives).
 *
 * Use it on the outputs of anything that deserializes values for the engine:
 * `@portflow/workers` does for its threads, `@portflow/distributed` for job
 * outcomes.
 *
 * @example
 * ```ts
 * const outputs = v8Codec.decode(bytes) as Record<string, unknown>;
 * adoptRealm(outputs); // outputs.table instanceof Map, also under jest
 * ```
 */
export function adoptRealm(values: unknown): void {
  if (values === null || typeof values !== 'object' || Array.isArray(values)) return;
  const record = values as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const v = record[key];
    if (v === null || typeof v !== 'object') continue;
    if (types.isMap(v)) {
      if (!(v instanceof Map)) record[key] = new Map(v as Map<unknown, unknown>);
    } else if (types.isSet(v)) {
      if (!(v instanceof Set)) record[key] = new Set(v as Set<unknown>);
    } else if (types.isDate(v)) {
      if (!(v instanceof Date)) record[key] = new Date((v as Date).getTime());
    } else if (types.isRegExp(v)) {
      if (!(v instanceof RegExp)) record[key] = new RegExp((v as RegExp).source, (v as RegExp).flags);
    } else if (ArrayBuffer.isView(v) && !Buffer.isBuffer(v)) {
      const name = (v as { constructor?: { name?: string } }).constructor?.name ?? '';
      const Local = (globalThis as Record<string, unknown>)[name] as ViewConstructor | undefined;
      if (typeof Local !== 'function' || v instanceof Local) continue;
      const view = v as ArrayBufferView;
      const length = types.isDataView(view) ? view.byteLength : (view as unknown as { length: number }).length;
      record[key] = new Local(view.buffer, view.byteOffset, length);
    }
  }
}
