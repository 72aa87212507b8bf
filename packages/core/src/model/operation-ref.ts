import type { Operation } from './operation';
import type { OperationSettings, ResourceHint } from './operation-settings';
import type { JsonValue } from './plain-data';
import type { RetryPolicy } from './retry-policy';

/** Where a process finds an operation class: a module specifier and the export holding the class. */
export interface ModuleLocation {
  /**
   * A package specifier (`'@acme/ops'`, `'@acme/ops/train'`) or a path
   * relative to the resolving process's root (`'./dist/ops.js'`). Never an
   * absolute path: refs travel between machines.
   */
  readonly specifier: string;
  /** The export holding the class. */
  readonly export: string;
}

/** The settings an {@link OperationRef} carries: those that are data. */
export interface RefSettings {
  /** The retry policy without `retryOn` (a function stays with the engine that coordinates retries). */
  readonly retry?: Omit<RetryPolicy, 'retryOn'>;
  readonly timeoutMs?: number;
  readonly resource?: ResourceHint;
  readonly description?: string;
  readonly executor?: string;
}

/**
 * An operation as plain JSON data, made by {@link Operation.toRef}: what it
 * is (`type`, `version`), how it is configured (`params`, `settings`), its
 * `id` in a graph, and where its class can be loaded (`module`). An
 * {@link OperationResolver} turns it back into a live operation in any
 * process: a worker thread, a remote worker, a resumed run.
 *
 * @example
 * ```ts
 * const ref = new Scale({ id: 'scale', params: { factor: 2 } }).toRef();
 * // { type: 'Scale', version: 1, params: { factor: 2 }, id: 'scale', settings: {} }
 * JSON.parse(JSON.stringify(ref)); // the same ref
 * ```
 */
export interface OperationRef {
  readonly type: string;
  readonly version: number;
  readonly params: { readonly [key: string]: JsonValue };
  readonly id?: string;
  readonly settings?: RefSettings;
  readonly module?: ModuleLocation;
}

/**
 * Turns an {@link OperationRef} back into an operation. The workflow
 * registry is one (component name + params); {@link ModuleResolver} is
 * another (module specifier + export). Implementations run the class's
 * constructor, so the operation is exactly what its author built.
 *
 * @example
 * ```ts
 * const byType: OperationResolver = {
 *   resolve: (ref) => new Scale({ id: ref.id, params: ref.params as { factor: number } }),
 * };
 * ```
 */
export interface OperationResolver {
  /** The operation `ref` names; rejects (or throws) an `OperationRefError` when it cannot. */
  resolve(ref: OperationRef): Operation | Promise<Operation>;
}

/** The data part of settings, as a ref carries them. @internal */
export function refSettings(settings: Readonly<OperationSettings>): RefSettings {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(settings) as (keyof OperationSettings)[]) {
    const value = settings[key];
    if (value === undefined) continue;
    if (key === 'retry') {
      out.retry = Object.fromEntries(Object.entries(value as object).filter(([, v]) => typeof v !== 'function' && v !== undefined));
    } else {
      out[key] = value;
    }
  }
  return out as RefSettings;
}
