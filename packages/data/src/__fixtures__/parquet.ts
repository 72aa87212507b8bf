import { DuckDBInstance } from '@duckdb/node-api';

/** Reads a Parquet (or CSV/JSON) file back with a DuckDB instance of its own, independent of the code under test. */
export async function readBack(sql: string, params: string[] = []): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql, params)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
