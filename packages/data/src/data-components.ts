import { builtinRegistry, type ComponentRegistry, type ComponentRegistryOptions } from '@portflow/workflow';
import { ConcatRows } from './components/concat-rows';
import { Describe } from './components/describe';
import { Distinct } from './components/distinct';
import { FilterRows } from './components/filter-rows';
import { GroupBy, WriteCsv, WriteJson } from './components/aliases';
import { GroupByAgg } from './components/groupby-agg';
import { Join } from './components/join';
import { Limit } from './components/limit';
import { Query } from './components/query';
import { ReadCsv } from './components/read-csv';
import { ReadJson } from './components/read-json';
import { ReadParquet } from './components/read-parquet';
import { Select } from './components/select';
import { Sort } from './components/sort';
import { Sql } from './components/sql';
import { ToCsv } from './components/to-csv';
import { ToJson } from './components/to-json';
import { ToParquet } from './components/to-parquet';

/**
 * The data components: readers, transforms, sinks, and the former names
 * kept as aliases (`filter_rows`, `group_by`, `write_csv`, `write_json`).
 *
 * @example
 * ```ts
 * const registry = builtinRegistry().register(...DATA_COMPONENTS);
 * ```
 */
export const DATA_COMPONENTS = Object.freeze([
  ReadCsv,
  ReadParquet,
  ReadJson,
  Query,
  Select,
  Sql,
  GroupByAgg,
  Join,
  Sort,
  Limit,
  Distinct,
  ConcatRows,
  ToCsv,
  ToParquet,
  ToJson,
  Describe,
  FilterRows,
  GroupBy,
  WriteCsv,
  WriteJson,
]);

/**
 * A new registry with `@portflow/workflow`'s built-in components and the
 * data components: what the `portflow` CLI uses.
 *
 * @example
 * ```ts
 * const workflow = loadWorkflowFile('etl.yaml', { registry: dataRegistry() });
 * ```
 */
export function dataRegistry(options: ComponentRegistryOptions = {}): ComponentRegistry {
  return builtinRegistry(options).register(...DATA_COMPONENTS);
}
