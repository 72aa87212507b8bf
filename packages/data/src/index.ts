/**
 * @portflow/data: DuckDB-backed data components. Tables flow between steps
 * as lazy, serializable references ({@link TableRef}); a chain of steps runs
 * as one DuckDB query when a sink writes it.
 * @packageDocumentation
 */
import 'reflect-metadata';

export { Table, isTableRef, type TableRef, type TableSource, type TableColumn, type SqlValue } from './table-ref';
export { readRows, readColumns, type ReadOptions } from './table-query';
export { configureDuckDB, closeDuckDB, type DuckDBSettings } from './duckdb-runtime';
export { quoteIdentifier } from './sql-text';
export { CONTENT_HASH_LIMIT } from './source-fingerprint';
export { DataSourceError, DataQueryError, UnsafeSqlError } from './errors';
export { DATA_COMPONENTS, dataRegistry } from './data-components';
export { TableStepParams } from './components/table-step-params';
export { ReadCsv, ReadCsvParams } from './components/read-csv';
export { ReadParquet, ReadParquetParams } from './components/read-parquet';
export { ReadJson, ReadJsonParams } from './components/read-json';
export { Query, QueryParams } from './components/query';
export { FilterRows, FilterRowsParams } from './components/filter-rows';
export { Select, SelectParams, type SelectColumn } from './components/select';
export { Sql, SqlParams } from './components/sql';
export { GroupByAgg, GroupByAggParams, AGGREGATES, type Aggregate } from './components/groupby-agg';
export { Join, JoinParams, JOIN_KINDS } from './components/join';
export { Sort, SortParams } from './components/sort';
export { Limit, LimitParams } from './components/limit';
export { Distinct, DistinctParams } from './components/distinct';
export { ConcatRows } from './components/concat-rows';
export { ToCsv, ToCsvParams } from './components/to-csv';
export { ToParquet, ToParquetParams, PARQUET_COMPRESSIONS } from './components/to-parquet';
export { ToJson, ToJsonParams } from './components/to-json';
export { Describe, type TableSummary, type ColumnSummary } from './components/describe';
export { GroupBy, WriteCsv, WriteJson } from './components/aliases';
