import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBValue } from '@duckdb/node-api';
import type { ExecutionContext } from '@portflow/core';
import type { StepSource, WorkflowFile } from '@portflow/workflow';
import { writeAtomically } from './atomic-write';
import { withConnection } from './duckdb-runtime';
import { DataQueryError, DataSourceError } from './errors';
import { fingerprint, verifySources } from './source-fingerprint';
import { quoteIdentifier, quoteString } from './sql-text';
import { columnsOf } from './table-query';
import { tableRef, type SqlValue, type TableRef, type TableSource } from './table-ref';
import { checkUserSelect } from './user-sql';

/** A query a step builds: SQL with `?` placeholders, the values they take, and the files it reads. @internal */
export interface TablePlan {
  readonly sql: string;
  readonly params: readonly SqlValue[];
  readonly sources: readonly TableSource[];
}

/** SQL a workflow author wrote, to be checked before it is composed: the text, the tables it may read, the param it came from. @internal */
export interface UserSql {
  readonly text: string;
  readonly tables: readonly string[];
  readonly param: string;
}

/** `table` as a subquery named `alias`, for composing. @internal */
export function subquery(table: TableRef, alias: string): string {
  return `(${table.sql}) AS ${quoteIdentifier(alias)}`;
}

/** A plan reading `inputs` (their params and sources, in this order). @internal */
export function planOver(inputs: readonly TableRef[], sql: string, extraParams: readonly SqlValue[] = []): TablePlan {
  return { sql, params: [...inputs.flatMap((t) => t.params), ...extraParams], sources: inputs.flatMap((t) => t.sources) };
}

/**
 * Checks a step's query without running it: the user's SQL (if any) must be
 * one safe SELECT, and DuckDB must bind the composed query (so a bad
 * expression fails here, at its own step, with DuckDB's message and the
 * param's position). Returns the lazy table; with `materialize`, the table
 * written to Parquet in the run's data directory instead.
 * @internal
 */
export async function buildTable(plan: TablePlan, step: DataStep, context: ExecutionContext, options: { user?: UserSql; blame?: string; materialize?: boolean } = {}): Promise<TableRef> {
  const blame = options.user?.param ?? options.blame;
  const where = blame === undefined ? step.stepSource.describe() : step.stepSource.describe(blame);
  const columns = await withConnection(context.signal, async (connection) => {
    if (options.user !== undefined) await checkUserSelect(connection, options.user.text, options.user.tables, options.user.param, where);
    try {
      return await columnsOf(connection, plan.sql, plan.params as DuckDBValue[]);
    } catch (error) {
      throw new DataQueryError(`${where}: ${(error as Error).message}`, { cause: error });
    }
  });
  const table = tableRef(plan.sql, plan.params, plan.sources, columns);
  return options.materialize === true ? materialize(table, step, context) : table;
}

/** What every data component knows of where it is. @internal */
export interface DataStep {
  readonly stepSource: StepSource;
  readonly workflowFile: WorkflowFile;
}

/**
 * Runs `COPY (table) TO <file> (options)` atomically: to a temporary file
 * next to `target`, renamed when complete. Sources are checked first.
 * @internal
 */
export async function copyTable(table: TableRef, target: string, copyOptions: string, step: DataStep, context: ExecutionContext): Promise<void> {
  const where = step.stepSource.describe('path');
  await verifySources(table, where);
  try {
    await writeAtomically(target, (temporary) =>
      withConnection(context.signal, async (connection) => {
        try {
          // DuckDB binds COPY's target before the query's placeholders, so the path is a quoted literal.
          await connection.run(`COPY (${table.sql}) TO ${quoteString(temporary)} (${copyOptions})`, [...table.params] as DuckDBValue[]);
        } catch (error) {
          throw new DataQueryError(`${where}: writing ${target} failed: ${(error as Error).message}`, { cause: error });
        }
      }),
    );
  } catch (error) {
    if (error instanceof DataQueryError || context.signal.aborted) throw error;
    const e = error as NodeJS.ErrnoException;
    throw new DataSourceError(target, `${where}: cannot write ${target}: ${e.code ?? e.message ?? String(error)}`, { cause: error });
  }
}

/**
 * The table written to `<workflow dir>/.portflow/data/<run id>/<hash>.parquet`
 * (reused when that file exists), as a table reading that file.
 * @internal
 */
export async function materialize(table: TableRef, step: DataStep, context: ExecutionContext): Promise<TableRef> {
  const path = join(step.workflowFile.directory, '.portflow', 'data', context.runId, `${table.hash}.parquet`);
  if (!existsSync(path)) await copyTable(table, path, 'FORMAT parquet', step, context);
  const where = step.stepSource.describe('materialize');
  const source = await fingerprint(path, where);
  return tableRef('SELECT * FROM read_parquet(?)', [path], [source], table.columns);
}
