/**
 * Errors as they cross between threads: what is thrown in a worker comes
 * back to the main thread with its name, message, stack, properties and
 * cause. Loads without `@portflow/core`: the worker entry imports it.
 * @internal
 */
import { isCloneable } from './values';

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
