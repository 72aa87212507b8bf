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
  {
    version: 2,
    description: 'operation logs, a cache index and blob references instead of a row per operation and output; journal rows that hold several events',
    up: (sql: SqlDialect) => [
      `ALTER TABLE ${sql.table('events')} ADD COLUMN event_count ${sql.integer} NOT NULL DEFAULT 1 CHECK (event_count >= 1)`,
      `CREATE TABLE ${sql.table('operation_log')} (
        run_id TEXT NOT NULL REFERENCES ${sql.table('runs')} (run_id) ON DELETE CASCADE,
        seq ${sql.integer} NOT NULL,
        records TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      )`,
      `CREATE TABLE ${sql.table('cache_entries')} (
        cache_key TEXT NOT NULL,
        finished_at ${sql.integer},
        run_id TEXT NOT NULL REFERENCES ${sql.table('runs')} (run_id) ON DELETE CASCADE,
        operation_id TEXT NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (cache_key, run_id, operation_id)
      )`,
      `CREATE INDEX cache_entries_by_run ON ${sql.table('cache_entries')} (run_id)`,
      `CREATE TABLE ${sql.table('blob_refs')} (
        run_id TEXT NOT NULL REFERENCES ${sql.table('runs')} (run_id) ON DELETE CASCADE,
        blob_hash TEXT NOT NULL,
        PRIMARY KEY (run_id, blob_hash)
      )`,
      `CREATE INDEX blob_refs_by_blob ON ${sql.table('blob_refs')} (blob_hash)`,
      // Version 1's records move into the log (one row per run), its cacheable records into the index.
      sql.name === 'sqlite'
        ? `INSERT INTO operation_log (run_id, seq, records)
           SELECT run_id, 1, json_group_array(json(record)) FROM (
             SELECT o.run_id AS run_id, json_object(
               'operationId', o.operation_id, 'status', o.status, 'attempts', o.attempts, 'startedAt', o.started_at, 'finishedAt', o.finished_at,
               'error', json(o.error), 'reason', o.reason, 'cacheKey', o.cache_key, 'restoredFrom', o.restored_from,
               'outputs', (SELECT json_group_object(p.port, json_object('hash', p.hash, 'size', p.size,
                             'inlineHex', CASE WHEN p.inline_bytes IS NULL THEN NULL ELSE lower(hex(p.inline_bytes)) END, 'blob', p.blob_hash))
                           FROM outputs AS p WHERE p.run_id = o.run_id AND p.operation_id = o.operation_id)) AS record
             FROM operations AS o ORDER BY o.run_id, o.operation_id)
           GROUP BY run_id`
        : `INSERT INTO ${sql.table('operation_log')} (run_id, seq, records)
           SELECT run_id, 1, json_agg(record ORDER BY operation_id)::text FROM (
             SELECT o.run_id, o.operation_id, json_build_object(
               'operationId', o.operation_id, 'status', o.status, 'attempts', o.attempts, 'startedAt', o.started_at, 'finishedAt', o.finished_at,
               'error', o.error, 'reason', o.reason, 'cacheKey', o.cache_key, 'restoredFrom', o.restored_from,
               'outputs', (SELECT coalesce(json_object_agg(p.port, json_build_object('hash', p.hash, 'size', p.size,
                             'inlineHex', encode(p.inline_bytes, 'hex'), 'blob', p.blob_hash)), '{}'::json)
                           FROM ${sql.table('outputs')} AS p WHERE p.run_id = o.run_id AND p.operation_id = o.operation_id)) AS record
             FROM ${sql.table('operations')} AS o) AS x
           GROUP BY run_id`,
      `INSERT INTO ${sql.table('cache_entries')} (cache_key, finished_at, run_id, operation_id, record)
       SELECT o.cache_key, o.finished_at, o.run_id, o.operation_id, '' FROM ${sql.table('operations')} AS o
       WHERE o.cache_key IS NOT NULL AND o.status = 'succeeded' AND o.reason IS NULL`,
      sql.name === 'sqlite'
        ? `UPDATE cache_entries SET record = (SELECT r.value FROM operation_log AS l, json_each(l.records) AS r
             WHERE l.run_id = cache_entries.run_id AND json_extract(r.value, '$.operationId') = cache_entries.operation_id)`
        : `UPDATE ${sql.table('cache_entries')} AS c SET record = (SELECT r::text FROM ${sql.table('operation_log')} AS l, json_array_elements(l.records::json) AS r
             WHERE l.run_id = c.run_id AND r->>'operationId' = c.operation_id)`,
      `INSERT INTO ${sql.table('blob_refs')} (run_id, blob_hash) SELECT DISTINCT run_id, blob_hash FROM ${sql.table('outputs')} WHERE blob_hash IS NOT NULL`,
      `DROP TABLE ${sql.table('outputs')}`,
      `DROP TABLE ${sql.table('operations')}`,
    ],
  },
  {
    version: 3,
    description: 'executions: submitted workflow runs with their parameters, status, queue position, engine run ids and idempotency key',
    up: (sql: SqlDialect) => [
      `CREATE TABLE ${sql.table('executions')} (
        execution_id TEXT PRIMARY KEY,
        workflow TEXT NOT NULL,
        params ${sql.json} NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        position ${sql.integer} NOT NULL UNIQUE,
        submitted_at ${sql.integer} NOT NULL,
        started_at ${sql.integer},
        finished_at ${sql.integer},
        run_ids TEXT NOT NULL,
        error ${sql.json},
        reason TEXT,
        idempotency_key TEXT,
        UNIQUE (workflow, idempotency_key)
      )`,
      `CREATE INDEX executions_by_workflow ON ${sql.table('executions')} (workflow, position DESC)`,
      `CREATE INDEX executions_by_status ON ${sql.table('executions')} (status, position)`,
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
