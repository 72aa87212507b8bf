import { PortflowError } from '@portflow/core';

/**
 * A file a data step reads could not be read, or changed after a step read
 * it. The message names the step, its position in the workflow and the
 * resolved path.
 *
 * @example
 * ```ts
 * if (isPortflowError(error, 'PORTFLOW_DATA_SOURCE')) console.error(error.message);
 * // step 'load_data' (etl.yaml:9:13): cannot read /work/etl/data.csv: no such file
 * ```
 */
export class DataSourceError extends PortflowError {
  /** Stable across minifiers. */
  override readonly name = 'DataSourceError';

  constructor(
    /** The resolved path of the file. */
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('PORTFLOW_DATA_SOURCE', message, options);
  }
}

/**
 * DuckDB refused or failed a data step's query: a bad expression, an unknown
 * column, a type error. The message is DuckDB's, prefixed with the step and
 * the position of the param that caused it.
 *
 * @example
 * ```ts
 * // step 'transform' (etl.yaml:14:13): Binder Error: Referenced column "valu" not found in FROM clause!
 * ```
 */
export class DataQueryError extends PortflowError {
  /** Stable across minifiers. */
  override readonly name = 'DataQueryError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('PORTFLOW_DATA_QUERY', message, options);
  }
}

/**
 * SQL written in a workflow (`expr`, `sql`) does something a data step may
 * not: more than one statement, anything but `SELECT`, a table function
 * (`read_csv`, `glob`...), a file path as a table, or a table that is not one
 * of the step's inputs.
 *
 * @example
 * ```ts
 * // step 'features' (churn.yaml:21:12): sql may only read the step's inputs (customers); it reads table function 'read_csv'
 * ```
 */
export class UnsafeSqlError extends PortflowError {
  /** Stable across minifiers. */
  override readonly name = 'UnsafeSqlError';

  constructor(message: string) {
    super('PORTFLOW_UNSAFE_SQL', message);
  }
}
