/**
 * What crosses between the main thread and a worker, and the helpers both
 * sides use to encode it. Everything here must load without `@portflow/core`
 * at run time: the worker entry imports it.
 * @internal
 */
import { types } from 'node:util';
import type { MessagePort } from 'node:worker_threads';
import type { LogLevel, OperationRef } from '@portflow/core';

/** An error as it crosses threads: enough to rebuild a faithful `Error`. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Own enumerable properties that survived a structured clone (`code`, `errno`, ...). */
  readonly props?: Record<string, unknown>;
  readonly cause?: SerializedError;
  /** Set when something other than an Error was thrown. */
  readonly nonError?: boolean;
}

/** Top-level values that were Buffers (`b`) or arrays of Buffers (`a`): structured clone turns them into Uint8Array. */
export type BufferTags = Record<string, 'b' | 'a'>;

/** The task piscina hands to the worker entry: small; the data follows on `port`. */
export interface WorkerTask {
  /**
   * The operation as JSON (`op.toRef(location)`): the worker resolves it with
   * a `ModuleResolver` rooted at `root`, which runs the class's constructor.
   * Its module specifier is a package name or a path relative to `root`, never absolute.
   */
  readonly ref: OperationRef;
  /** The executor's root: relative module specifiers resolve against it, and may not leave it. */
  readonly root: string;
  readonly runId: string;
  readonly operationId: string;
  readonly attempt: number;
  /** Private channel of this task: the start message arrives, progress, logs and the result go back, abort comes in. */
  readonly port: MessagePort;
}

/** The first message on a task's port, posted before the task is queued. */
export interface StartMessage {
  readonly inputs: Record<string, unknown>;
  readonly inputBuffers: BufferTags | undefined;
  readonly variables: Record<string, unknown>;
  /** Run variables that could not be cloned; reading one in the worker throws. */
  readonly missingVariables: readonly string[];
  readonly transferOutputs: boolean;
}

/** Worker to main thread, on the task's port. The `result` message is always the last. */
export type WorkerMessage =
  | { readonly type: 'progress'; readonly fraction: number; readonly message?: string; readonly data?: Readonly<Record<string, unknown>> }
  | { readonly type: 'log'; readonly level: LogLevel; readonly message: string; readonly fields?: Record<string, unknown> }
  | { readonly type: 'result'; readonly ok: true; readonly outputs: unknown; readonly buffers: BufferTags | undefined }
  | {
      readonly type: 'result';
      readonly ok: false;
      readonly error: SerializedError;
      /** The operation ended with its signal's reason: the main thread answers with the original reason object. */
      readonly aborted?: boolean;
    };

/** Main thread to worker, on the task's port. */
export type MainMessage = { readonly type: 'abort'; readonly reason: SerializedError };

// ---- errors ----------------------------------------------------------------

const BUILTIN_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Turns anything thrown into a {@link SerializedError}; never throws. */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error) && !(typeof error === 'object' && error !== null && 'message' in error && 'stack' in error)) {
    return { name: 'NonError', message: describeThrown(error), nonError: true };
  }
  const e = error as Error & Record<string, unknown>;
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(e)) {
    if (key === 'message' || key === 'stack' || key === 'name' || key === 'cause') continue;
    const value = e[key];
    if (isCloneable(value)) props[key] = value;
  }
  const out: { -readonly [K in keyof SerializedError]: SerializedError[K] } = {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: typeof e.message === 'string' ? e.message : String(e.message),
  };
  if (typeof e.stack === 'string') out.stack = e.stack;
  if (Object.keys(props).length > 0) out.props = props;
  if (e.cause !== undefined && depth < 8) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

/**
 * Rebuilds an error from its serialized form: same name, message, stack and
 * properties; built-in classes (`TypeError`, ...) are kept, other classes
 * become an `Error` whose `name` is the original class's.
 */
export function deserializeError(s: SerializedError): Error {
  const Ctor = Object.prototype.hasOwnProperty.call(BUILTIN_ERRORS, s.name) ? BUILTIN_ERRORS[s.name]! : Error;
  const error = new Ctor(s.message) as Error & Record<string, unknown>;
  if (error.name !== s.name) Object.defineProperty(error, 'name', { value: s.name, writable: true, configurable: true, enumerable: false });
  if (s.stack !== undefined) Object.defineProperty(error, 'stack', { value: s.stack, writable: true, configurable: true, enumerable: false });
  if (s.props) Object.assign(error, s.props);
  if (s.cause !== undefined) Object.defineProperty(error, 'cause', { value: deserializeError(s.cause), writable: true, configurable: true, enumerable: false });
  return error;
}

function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

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

// ---- values ----------------------------------------------------------------

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
 * Makes top-level port values instances of this realm's classes. Messages are
 * deserialized in Node's main realm; code running in another realm (a `vm`
 * context, as jest runs tests) would see `instanceof Map` / `Date` /
 * `Float64Array` fail, and with them the engine's port type checks. A no-op
 * when the realms are the same, which is the case outside such sandboxes.
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
