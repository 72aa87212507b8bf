import 'reflect-metadata';
import { OPERATION_OPTIONS_METADATA } from '../metadata';
import type { OperationSettings } from '../operation-settings';

/**
 * Class decorator setting defaults for every instance of an operation class:
 * retry policy, timeout, resource hint, description. Constructor options
 * override it per instance.
 *
 * @example
 * ```ts
 * @OperationOptions({ retry: { maxAttempts: 3, delaysMs: [100, 500] }, timeoutMs: 5_000 })
 * class Fetch extends Operation { ... }
 * ```
 */
export function OperationOptions(settings: OperationSettings) {
  return (ctor: abstract new (...args: never[]) => unknown): void => {
    Reflect.defineMetadata(OPERATION_OPTIONS_METADATA, Object.freeze({ ...settings }), ctor);
  };
}
