import { StoreSchemaError } from './errors';

/** Column types and table names of one database, for migrations. @internal */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** The qualified, quoted name of a store table. */
  table(name: string): string;
  /** A 64-bit integer (epoch ms, sizes, counts). */
  readonly integer: string;
  readonly bytes: string;
  readonly json: string;
}

/**
 * One step of the store's schema: a version and a function giving the
 * statements that take a store from the previous version to this one (run
 * in one transaction). Versions only go up; a released migration is never
 * edited, a new one is added. @internal
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  up(sql: SqlDialect): readonly string[];
}

/** Every migration, oldest first. @internal */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    description: 'runs, operation records with output refs, event journals',
    up: (sql: SqlDialect) => [
      `CREATE TABLE ${sql.table('runs')} (
        run_id TEXT PRIMARY KEY,
        workflow TEXT NOT NULL,
        definition_hash TEXT NOT NULL,
        variables ${sql.json} NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
        started_at ${sql.integer} NOT NULL,
        finished_at ${sql.integer},
        error ${sql.json},
        reason TEXT,
        resumed_from TEXT,
        codec_format TEXT
      )`,
      `CREATE INDEX runs_by_start ON ${sql.table('runs')} (started_at DESC, run_id DESC)`,
      `CREATE INDEX runs_by_workflow ON ${sql.table('runs')} (workflow, started_at DESC, run_id DESC)`,
      `CREATE INDEX runs_by_status ON ${sql.table('runs')} (status, workflow, started_at DESC)`,
      `CREATE TABLE ${sql.table('operations')} (
        run_id TEXT NOT NULL REFERENCES ${sql.table('runs')} (run_id) ON DELETE CASCADE,
        operation_id TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts ${sql.integer} NOT NULL,
        started_at ${sql.integer},
        finished_at ${sql.integer},
        error ${sql.json},
        reason TEXT,
        cache_key TEXT,
        restored_from TEXT,
        PRIMARY KEY (run_id, operation_id)
      )`,
      `CREATE INDEX operations_by_cache_key ON ${sql.table('operations')} (cache_key, finished_at DESC) WHERE cache_key IS NOT NULL AND status = 'succeeded'`,
      `CREATE TABLE ${sql.table('outputs')} (
        run_id TEXT NOT NULL,
        operation_id TEXT NOT NULL,
        port TEXT NOT NULL,
        hash TEXT NOT NULL,
        size ${sql.integer} NOT NULL,
        inline_bytes ${sql.bytes},
        blob_hash TEXT,
        PRIMARY KEY (run_id, operation_id, port),
        FOREIGN KEY (run_id, operation_id) REFERENCES ${sql.table('operations')} (run_id, operation_id) ON DELETE CASCADE,
        CHECK ((inline_bytes IS NULL) <> (blob_hash IS NULL))
      )`,
      `CREATE INDEX outputs_by_blob ON ${sql.table('outputs')} (blob_hash) WHERE blob_hash IS NOT NULL`,
      `CREATE TABLE ${sql.table('events')} (
        run_id TEXT NOT NULL REFERENCES ${sql.table('runs')} (run_id) ON DELETE CASCADE,
        seq ${sql.integer} NOT NULL,
        type TEXT NOT NULL,
        payload ${sql.json} NOT NULL,
        PRIMARY KEY (run_id, seq)
      )`,
    ],
  },
]);

/** The schema version this release writes, and the newest it reads. */
export const STORE_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The table that records the schema version (key `schema_version`). @internal */
export const META_TABLE = 'store_meta';

/** The statement that creates the meta table if it is missing. @internal */
export function metaTableStatement(sql: SqlDialect): string {
  return `CREATE TABLE IF NOT EXISTS ${sql.table(META_TABLE)} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`;
}

/**
 * The version recorded in a store (0 for a new one), or a `StoreSchemaError`
 * when it is unreadable or newer than {@link STORE_SCHEMA_VERSION}. @internal
 */
export function readableVersion(raw: string | undefined, location: string): number {
  if (raw === undefined) return 0;
  const version = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(version) || version < 1) throw new StoreSchemaError(location, raw, STORE_SCHEMA_VERSION);
  if (version > STORE_SCHEMA_VERSION) throw new StoreSchemaError(location, version, STORE_SCHEMA_VERSION);
  return version;
}

/** The migrations that take a store at `version` to {@link STORE_SCHEMA_VERSION}. @internal */
export function pendingMigrations(version: number): readonly Migration[] {
  return MIGRATIONS.filter((m) => m.version > version);
}
