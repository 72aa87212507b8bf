import { ComponentRegistry, type ComponentRegistryOptions } from '../component-registry';
import { ConcatRows } from './concat-rows';
import { Constant } from './constant';
import { Delay } from './delay';
import { FilterRows } from './filter-rows';
import { GroupBy } from './group-by';
import { Log } from './log';
import { ReadCsv } from './read-csv';
import { WriteCsv } from './write-csv';
import { WriteJson } from './write-json';

/** The components Portflow ships, in no particular order. */
export const BUILTIN_COMPONENTS = Object.freeze([ReadCsv, FilterRows, GroupBy, ConcatRows, WriteCsv, WriteJson, Constant, Log, Delay]);

/**
 * A new registry with the built-in components: `read_csv`, `filter_rows`,
 * `group_by`, `concat_rows`, `write_csv`, `write_json`, `constant`, `log`
 * and `delay`. Each call gives an independent registry.
 *
 * @example
 * ```ts
 * const registry = builtinRegistry().register(MyComponent);
 * ```
 */
export function builtinRegistry(options: ComponentRegistryOptions = {}): ComponentRegistry {
  return new ComponentRegistry(options).register(...BUILTIN_COMPONENTS);
}
