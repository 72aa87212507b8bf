import { ComponentRegistry, type ComponentRegistryOptions } from '../component-registry';
import { Constant } from './constant';
import { Delay } from './delay';
import { Log } from './log';
import { Command } from './command';

/**
 * The components this package ships: `constant`, `log`, `delay` and `command`. Data
 * components (`read_csv`, `query`, `to_parquet`...) live in `@portflow/data`.
 */
export const BUILTIN_COMPONENTS = Object.freeze([Constant, Log, Delay, Command]);

/**
 * A new registry with the built-in components: `constant`, `log`,
 * `delay` and `command`. Each call gives an independent registry. For data components,
 * register `@portflow/data`'s `DATA_COMPONENTS` too (its `dataRegistry()`
 * does both).
 *
 * @example
 * ```ts
 * const registry = builtinRegistry().register(MyComponent);
 * ```
 */
export function builtinRegistry(options: ComponentRegistryOptions = {}): ComponentRegistry {
  return new ComponentRegistry(options).register(...BUILTIN_COMPONENTS);
}
