import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'libsql';
import { StoreSchemaError, StoreUnavailableError } from '../errors';
import { META_TABLE, metaTableStatement, pendingMigrations, readableVersion, STORE_SCHEMA_VERSION, type SqlDialect } from '../migrations';
import type { OperationRows, PrunedRows, RunFilter, StoreBackend } from '../store-backend';
import { unknownRunMessage } from '../store-backend';
import type { SqliteLocation } from '../store-location';
import type { OperationRow, OutputRow, RunRow, StoredEventRow } from '../store-rows';
import type { WriteBatch } from '../store-writes';
import { OUTPUT_COLUMNS, PRUNE_CONDITION, operationColumns, runColumns } from '../sql-columns';

type Connection = Database.Database;
type Statement = Database.Statement;

/** Options of the SQLite backend. @internal */
export interface SqliteBackendOptions {
  /** How long a write waits for another connection's transaction, in ms. */
  readonly busyTimeoutMs: number;
}

/** The default busy timeout: how long a writer waits for another's transaction. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

const DIALECT: SqlDialect = { name: 'sqlite', table: (name) => name, integer: 'INTEGER', bytes: 'BLOB', json: 'TEXT' };
const RUN_COLUMNS = runColumns((c) => c);
const OPERATION_COLUMNS = operationColumns((c) => c);

/**
 * Opens (creating and migrating as needed) a SQLite store file: WAL
 * journal, `synchronous=NORMAL` (a commit survives a process crash; an OS
 * crash may lose the last few), foreign keys on, and a busy timeout so
 * several processes can write. Throws a `StoreUnavailableError` or a
 * `StoreSchemaError`. @internal
 */
export function openSqliteBackend(location: SqliteLocation, options: SqliteBackendOptions): StoreBackend {
  const { file } = location;
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (error) {
    throw new StoreUnavailableError(`Cannot create the directory ${dirname(file)} for the run store: ${message(error)}. Check its permissions, or choose another location.`, { cause: error });
  }
  let db: Connection;
  try {
    db = new Database(file, { timeout: options.busyTimeoutMs });
  } catch (error) {
    throw new StoreUnavailableError(`Cannot open the run store ${file}: ${message(error)}. Check that the path is a writable file location.`, { cause: error });
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    migrate(db, file);
    return new SqliteBackend(db);
  } catch (error) {
    db.close();
    if (error instanceof StoreSchemaError) throw error;
    const code = (error as { code?: string }).code;
    const hint =
      code === 'SQLITE_NOTADB'
        ? 'The file exists but is not a SQLite database: point the store at another path, or move the file away.'
        : code === 'SQLITE_BUSY'
          ? 'Another process held the database longer than the busy timeout; try again, or raise busyTimeoutMs.'
          : 'Check that the file is a Portflow run store and is writable.';
    throw new StoreUnavailableError(`Cannot open the run store ${file}: ${message(error)}. ${hint}`, { cause: error });
  }
}

function migrate(db: Connection, file: string): void {
  const read = (): string | undefined => {
    const exists = db.prepare(`SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?`).get(META_TABLE);
    if (exists === undefined) return undefined;
    const row = db.prepare(`SELECT value FROM ${META_TABLE} WHERE key = 'schema_version'`).get() as { value: string } | undefined;
    return row?.value;
  };
  if (readableVersion(read(), file) === STORE_SCHEMA_VERSION) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(metaTableStatement(DIALECT));
    const version = readableVersion(read(), file); // again, under the write lock: another process may have migrated
    for (const migration of pendingMigrations(version)) {
      for (const statement of migration.up(DIALECT)) db.exec(statement);
    }
    db.prepare(`INSERT INTO ${META_TABLE} (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(String(STORE_SCHEMA_VERSION));
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/** A {@link StoreBackend} on one libsql connection (synchronous calls, each short). @internal */
class SqliteBackend implements StoreBackend {
  readonly #db: Connection;
  readonly #upsertRun: Statement;
  readonly #finishRun: Statement;
  readonly #upsertOperation: Statement;
  readonly #deleteOutputs: Statement;
  readonly #insertOutput: Statement;
  readonly #lastSeq: Statement;
  readonly #insertEvent: Statement;
  readonly #getRun: Statement;
  readonly #latestUnfinished: Statement;
  readonly #operations: Statement;
  readonly #outputs: Statement;
  readonly #outputsOf: Statement;
  readonly #blobReferenced: Statement;

  constructor(db: Connection) {
    this.#db = db;
    this.#upsertRun = db.prepare(
      `INSERT INTO runs (run_id, workflow, definition_hash, variables, status, started_at, finished_at, error, reason, resumed_from, codec_format)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET workflow = excluded.workflow, definition_hash = excluded.definition_hash, variables = excluded.variables,
         status = excluded.status, started_at = excluded.started_at, finished_at = excluded.finished_at, error = excluded.error,
         reason = excluded.reason, resumed_from = excluded.resumed_from, codec_format = excluded.codec_format`,
    );
    this.#finishRun = db.prepare('UPDATE runs SET status = ?, finished_at = ?, error = ?, reason = ? WHERE run_id = ?');
    this.#upsertOperation = db.prepare(
      `INSERT INTO operations (run_id, operation_id, status, attempts, started_at, finished_at, error, reason, cache_key, restored_from)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, operation_id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, started_at = excluded.started_at,
         finished_at = excluded.finished_at, error = excluded.error, reason = excluded.reason, cache_key = excluded.cache_key,
         restored_from = excluded.restored_from`,
    );
    this.#deleteOutputs = db.prepare('DELETE FROM outputs WHERE run_id = ? AND operation_id = ?');
    this.#insertOutput = db.prepare('INSERT INTO outputs (run_id, operation_id, port, hash, size, inline_bytes, blob_hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.#lastSeq = db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM events WHERE run_id = ?');
    this.#insertEvent = db.prepare('INSERT INTO events (run_id, seq, type, payload) VALUES (?, ?, ?, ?)');
    this.#getRun = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE run_id = ?`);
    this.#latestUnfinished = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE status = 'running' AND workflow = ? ORDER BY started_at DESC, run_id DESC LIMIT 1`);
    this.#operations = db.prepare(`SELECT ${OPERATION_COLUMNS} FROM operations WHERE run_id = ? ORDER BY operation_id`);
    this.#outputs = db.prepare(`SELECT ${OUTPUT_COLUMNS} FROM outputs WHERE run_id = ? ORDER BY operation_id, port`);
    this.#outputsOf = db.prepare(`SELECT ${OUTPUT_COLUMNS} FROM outputs WHERE run_id = ? AND operation_id = ? ORDER BY port`);
    this.#blobReferenced = db.prepare('SELECT 1 AS found FROM outputs WHERE blob_hash = ? LIMIT 1');
  }

  async commit(batch: WriteBatch): Promise<void> {
    this.#transaction(() => {
      for (const r of batch.runs) {
        this.#upsertRun.run(r.runId, r.workflow, r.definitionHash, r.variables, r.status, r.startedAt, r.finishedAt, r.error, r.reason, r.resumedFrom, r.codecFormat);
      }
      for (const f of batch.finishes) {
        if (this.#finishRun.run(f.status, f.finishedAt, f.error, f.reason, f.runId).changes === 0) throw new Error(unknownRunMessage(f.runId));
      }
      for (const o of batch.operations) {
        this.#upsertOperation.run(o.runId, o.operationId, o.status, o.attempts, o.startedAt, o.finishedAt, o.error, o.reason, o.cacheKey, o.restoredFrom);
        this.#deleteOutputs.run(o.runId, o.operationId);
      }
      for (const o of batch.outputs) this.#insertOutput.run(o.runId, o.operationId, o.port, o.hash, o.size, o.inline, o.blob);
      const next = new Map<string, number>();
      for (const e of batch.events) {
        const seq = (next.get(e.runId) ?? (this.#lastSeq.get(e.runId) as { seq: number }).seq) + 1;
        next.set(e.runId, seq);
        this.#insertEvent.run(e.runId, seq, e.type, e.payload);
      }
    });
  }

  async getRun(runId: string): Promise<RunRow | undefined> {
    return this.#getRun.get(runId) as RunRow | undefined;
  }

  async listRuns(filter: RunFilter): Promise<RunRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.workflow !== undefined) {
      where.push('workflow = ?');
      params.push(filter.workflow);
    }
    if (filter.statuses !== undefined) {
      where.push(`status IN (SELECT value FROM json_each(?))`);
      params.push(JSON.stringify(filter.statuses));
    }
    if (filter.before !== undefined) {
      where.push('(started_at < ? OR (started_at = ? AND run_id < ?))');
      params.push(filter.before.startedAt, filter.before.startedAt, filter.before.runId);
    }
    params.push(filter.limit);
    const sql = `SELECT ${RUN_COLUMNS} FROM runs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, run_id DESC LIMIT ?`;
    return this.#db.prepare(sql).all(...params) as RunRow[];
  }

  async latestUnfinished(workflow: string): Promise<RunRow | undefined> {
    return this.#latestUnfinished.get(workflow) as RunRow | undefined;
  }

  async operations(runId: string): Promise<OperationRows> {
    return { operations: this.#operations.all(runId) as OperationRow[], outputs: this.#outputs.all(runId) as OutputRow[] };
  }

  async findByCacheKey(cacheKey: string, notBefore: number | undefined): Promise<OperationRows> {
    const since = notBefore === undefined ? '' : 'AND finished_at >= ?';
    const params = notBefore === undefined ? [cacheKey] : [cacheKey, notBefore];
    const found = this.#db
      .prepare(`SELECT ${OPERATION_COLUMNS} FROM operations WHERE cache_key = ? AND status = 'succeeded' ${since} ORDER BY finished_at DESC NULLS LAST, run_id DESC LIMIT 1`)
      .get(...params) as OperationRow | undefined;
    if (found === undefined) return { operations: [], outputs: [] };
    return { operations: [found], outputs: this.#outputsOf.all(found.runId, found.operationId) as OutputRow[] };
  }

  async events(runId: string, afterSeq: number, limit: number | undefined): Promise<StoredEventRow[]> {
    const sql = `SELECT seq, type, payload FROM events WHERE run_id = ? AND seq > ? ORDER BY seq${limit === undefined ? '' : ' LIMIT ?'}`;
    return this.#db.prepare(sql).all(...(limit === undefined ? [runId, afterSeq] : [runId, afterSeq, limit])) as StoredEventRow[];
  }

  async prune(olderThan: number): Promise<PrunedRows> {
    return this.#transaction(() => {
      const runs = (this.#db.prepare(`SELECT run_id AS "runId" FROM runs WHERE ${PRUNE_CONDITION}? ORDER BY run_id`).all(olderThan) as { runId: string }[]).map((r) => r.runId);
      if (runs.length === 0) return { runs, unreferencedBlobs: [] };
      const candidates = this.#db
        .prepare(`SELECT DISTINCT blob_hash AS hash FROM outputs WHERE blob_hash IS NOT NULL AND run_id IN (SELECT run_id FROM runs WHERE ${PRUNE_CONDITION}?)`)
        .all(olderThan) as { hash: string }[];
      this.#db.prepare(`DELETE FROM runs WHERE ${PRUNE_CONDITION}?`).run(olderThan);
      const unreferencedBlobs = candidates.map((c) => c.hash).filter((hash) => this.#blobReferenced.get(hash) === undefined);
      return { runs, unreferencedBlobs: unreferencedBlobs.sort() };
    });
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  /** Runs `body` in a write transaction (taken at once, so a busy database is waited for up to the busy timeout). */
  #transaction<T>(body: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = body();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
