import { Pool, types, type PoolClient, type PoolConfig } from 'pg';
import { StoreSchemaError, StoreUnavailableError } from '../errors';
import { META_TABLE, metaTableStatement, pendingMigrations, readableVersion, STORE_SCHEMA_VERSION } from '../migrations';
import type { StoreBackend } from '../store-backend';
import { dialectFor, PostgresBackend, quote } from './postgres-backend';
import type { PostgresLocation } from './postgres-location';

/** Options of the PostgreSQL backend. @internal */
export interface PostgresBackendOptions {
  /** Connections in the pool. */
  readonly maxConnections: number;
  /** How long to wait for a connection, in ms. */
  readonly connectTimeoutMs: number;
}

/** Defaults of {@link PostgresBackendOptions}. @internal */
export const POSTGRES_DEFAULTS = Object.freeze({ maxConnections: 4, connectTimeoutMs: 10_000 });

const INT8_OID = 20;

/** Parses `bigint` columns (epoch ms, sizes, sequence numbers) as numbers; every value the store writes is a safe integer. */
const TYPES: NonNullable<PoolConfig['types']> = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : types.getTypeParser(oid, format as 'text')) as NonNullable<PoolConfig['types']>['getTypeParser'],
};

/**
 * Connects to PostgreSQL, creates the schema and tables (or migrates them)
 * under an advisory lock so concurrent openers do not collide, and returns
 * the backend. Throws a `StoreUnavailableError` naming host, port, database
 * and user (never the password) with the likely fix, or a
 * `StoreSchemaError`. @internal
 */
export async function openPostgresBackend(location: PostgresLocation, options: PostgresBackendOptions): Promise<StoreBackend> {
  const pool = new Pool({
    connectionString: location.connectionString,
    max: options.maxConnections,
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: 'portflow-store',
    types: TYPES,
  });
  // An idle connection that breaks (server restart) is replaced; the next query reports trouble, so nothing is lost here.
  pool.on('error', () => undefined);
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end();
    throw unavailable(location, error, options.connectTimeoutMs);
  }
  try {
    await migrate(client, location);
  } catch (error) {
    client.release(true);
    await pool.end();
    if (error instanceof StoreSchemaError) throw error;
    throw new StoreUnavailableError(
      `Cannot prepare schema '${location.schema}' of the run store at ${location.display}: ${message(error)}. ` +
        `The user '${location.user}' needs to create the schema and tables (CREATE on the database), or have them created for it.`,
      { cause: error },
    );
  }
  client.release();
  return new PostgresBackend(pool, location.schema);
}

function unavailable(location: PostgresLocation, error: unknown, timeoutMs: number): StoreUnavailableError {
  const code = (error as { code?: string }).code;
  const where = `PostgreSQL at ${location.host}:${location.port}, database '${location.database}', user '${location.user}'`;
  const hint =
    code === 'ECONNREFUSED'
      ? 'Is the server running and listening there? Start it, or fix the host and port in the URL.'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'The host name does not resolve: fix it in the URL.'
        : code === '3D000'
          ? `Create the database (createdb ${location.database}) or name an existing one in the URL.`
          : code === '28P01' || code === '28000'
            ? 'The server refused the user: check the user name and password (or PGPASSWORD) and pg_hba.conf.'
            : /timeout/i.test(message(error))
              ? `No answer within ${timeoutMs} ms: check the host, port and firewall, or raise connectTimeoutMs.`
              : 'Check the URL, and that the server accepts connections from this machine.';
  return new StoreUnavailableError(`Cannot connect to ${where}: ${message(error)}. ${hint}`, { cause: error });
}

async function migrate(client: PoolClient, location: PostgresLocation): Promise<void> {
  const dialect = dialectFor(location.schema);
  const meta = dialect.table(META_TABLE);
  const read = async (): Promise<string | undefined> => {
    const exists = await client.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [meta]);
    if (exists.rows[0]?.found !== true) return undefined;
    const row = await client.query<{ value: string }>(`SELECT value FROM ${meta} WHERE key = 'schema_version'`);
    return row.rows[0]?.value;
  };
  if (readableVersion(await read(), location.display) === STORE_SCHEMA_VERSION) return;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`portflow-store:${location.schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quote(location.schema)}`);
    await client.query(metaTableStatement(dialect));
    const version = readableVersion(await read(), location.display); // again, under the lock: another store may have migrated
    for (const migration of pendingMigrations(version)) {
      for (const statement of migration.up(dialect)) await client.query(statement);
    }
    await client.query(`INSERT INTO ${meta} (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [String(STORE_SCHEMA_VERSION)]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
