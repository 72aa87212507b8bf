import 'reflect-metadata';
import { requireExperimentalDecorators } from './decorator-mode';
import { OPERATION_IDENTITY_METADATA, OPERATION_OPTIONS_METADATA } from '../metadata/keys';
import { forgetOperationDefaults } from '../metadata/read';
import type { OperationSettings } from '../operation-settings';

/**
 * What `@OperationOptions` declares about an operation class: its identity
 * (`type`, `version`, `module`) and default settings.
 */
export interface OperationDeclaration extends OperationSettings {
  /**
   * Stable type name of the operation, used in {@link OperationRef}s, cache
   * keys and run records (default: the class name). Keep it when you rename
   * the class; it is not inherited by subclasses.
   */
  type?: string;
  /**
   * Version of the operation's behaviour, a whole number >= 1 (default 1).
   * Bump it when the same inputs and params would now give other outputs:
   * cached and checkpointed results of older versions are then not reused.
   */
  version?: number;
  /**
   * Package or module specifier other processes import the class from
   * (`'@acme/ops'`, `'./dist/ops.js'` relative to a resolver's root; never an
   * absolute path). Used by {@link ModuleResolver}; the export is the class name.
   */
  module?: string;
  /** The export of `module` holding the class (default: the class name). */
  export?: string;
}

/**
 * Class decorator declaring an operation class's identity (type name,
 * version, module) and default settings (retry policy, timeout, resource
 * hint, executor, description). Settings given to the constructor, to
 * `op.with()` or to `graph.add(op, settings)` override the defaults per instance.
 *
 * @example
 * ```ts
 * @OperationOptions({ type: 'fetch-page', version: 2, retry: { maxAttempts: 3, delaysMs: [100, 500] }, timeoutMs: 5_000 })
 * class Fetch extends Operation { ... }
 * ```
 */
export function OperationOptions(declaration: OperationDeclaration) {
  return (ctor: abstract new (...args: never[]) => unknown, context?: unknown): void => {
    requireExperimentalDecorators('@OperationOptions', context);
    const { type, version, module, export: exportName, ...settings } = declaration;
    const owner = ctor.name || 'an anonymous class';
    if (type !== undefined && (typeof type !== 'string' || !/^[A-Za-z0-9_.:@/-]+$/.test(type))) {
      throw new TypeError(`@OperationOptions on ${owner}: type ${JSON.stringify(type)} is not valid; use letters, digits and _ . : @ / - (no spaces)`);
    }
    if (version !== undefined && !(Number.isInteger(version) && version >= 1)) {
      throw new TypeError(`@OperationOptions on ${owner}: version must be a whole number >= 1 (got ${String(version)})`);
    }
    if (module !== undefined && (typeof module !== 'string' || module.length === 0 || /^(\/|[A-Za-z]:[\\/]|file:)/.test(module))) {
      throw new TypeError(
        `@OperationOptions on ${owner}: module must be a package specifier ('@acme/ops') or a path relative to the resolver's root ('./dist/ops.js'), never an absolute path (got ${JSON.stringify(module)})`,
      );
    }
    // Several decorators may declare parts of one class's identity (e.g. a
    // workflow @Component gives the type, @OperationOptions the version).
    const own = (Reflect.getOwnMetadata(OPERATION_IDENTITY_METADATA, ctor) ?? {}) as Record<string, unknown>;
    const identity = { ...own, ...Object.fromEntries(Object.entries({ type, version, module, exportName }).filter(([, v]) => v !== undefined)) };
    Reflect.defineMetadata(OPERATION_IDENTITY_METADATA, Object.freeze(identity), ctor);
    if (Object.keys(settings).length > 0) {
      const ownSettings = (Reflect.getOwnMetadata(OPERATION_OPTIONS_METADATA, ctor) ?? {}) as OperationSettings;
      Reflect.defineMetadata(OPERATION_OPTIONS_METADATA, Object.freeze({ ...ownSettings, ...settings }), ctor);
      forgetOperationDefaults(ctor);
    }
  };
}
