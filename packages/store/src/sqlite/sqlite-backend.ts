import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'libsql';
import { StoreSchemaError, StoreUnavailableError } from '../errors';
import { META_TABLE, metaTableStatement, pendingMigrations, readableVersion, STORE_SCHEMA_VERSION, type SqlDialect } from '../migrations';
import { logRows } from '../operation-log';
import { executionColumns, type ExecutionRow, type NewExecutionRow } from '../execution-rows';
import type { CacheEntry, ExecutionFilter, PrunedRows, RunFilter, StoreBackend } from '../store-backend';
import { unknownRunMessage } from '../store-backend';
import type { SqliteLocation } from '../store-location';
import { journalRows, type StoredJournalRow } from '../journal-rows';
import type { RunRow } from '../store-rows';
import type { WriteBatch } from '../store-writes';
import { PRUNE_CONDITION, runColumns } from '../sql-columns';

type Connection = Database.Database;
type Statement = Database.Statement;

/** Options of the SQLite backend. @internal */
export interface SqliteBackendOptions {
  /** How long a write waits for another connection's transaction, in ms. */
  readonly busyTimeoutMs: number;
}

/** The default busy timeout: how long a writer waits for another's transaction. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** SQLite's SQL types for the migrations. @internal */
export const SQLITE_DIALECT: SqlDialect = { name: 'sqlite', table: (name) => name, integer: 'INTEGER', bytes: 'BLOB', json: 'TEXT' };
const RUN_COLUMNS = runColumns((c) => c);
const EXECUTION_COLUMNS = executionColumns((c) => c);

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
    db.exec(metaTableStatement(SQLITE_DIALECT));
    const version = readableVersion(read(), file); // again, under the write lock: another process may have migrated
    for (const migration of pendingMigrations(version)) {
      for (const statement of migration.up(SQLITE_DIALECT)) db.exec(statement);
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
  readonly #lastLogSeq: Statement;
  readonly #insertLog: RowsStatement;
  readonly #deleteCacheEntries: Statement;
  readonly #insertCacheEntries: RowsStatement;
  readonly #insertBlobRefs: RowsStatement;
  readonly #lastSeq: Statement;
  readonly #insertEvents: RowsStatement;
  readonly #getRun: Statement;
  readonly #latestUnfinished: Statement;
  readonly #operationLog: Statement;
  readonly #findCached: Statement;
  readonly #findCachedSince: Statement;
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
    this.#lastLogSeq = db.prepare('SELECT seq FROM operation_log WHERE run_id = ? ORDER BY seq DESC LIMIT 1');
    this.#insertLog = new RowsStatement(db, 'INSERT INTO operation_log (run_id, seq, records) VALUES', 3);
    this.#deleteCacheEntries = db.prepare('DELETE FROM cache_entries WHERE run_id = ? AND operation_id IN (SELECT value FROM json_each(?))');
    this.#insertCacheEntries = new RowsStatement(db, 'INSERT INTO cache_entries (cache_key, finished_at, run_id, operation_id, record) VALUES', 5);
    this.#insertBlobRefs = new RowsStatement(db, 'INSERT INTO blob_refs (run_id, blob_hash) VALUES', 2, 'ON CONFLICT DO NOTHING');
    this.#lastSeq = db.prepare('SELECT seq + event_count - 1 AS last FROM events WHERE run_id = ? ORDER BY seq DESC LIMIT 1');
    this.#insertEvents = new RowsStatement(db, 'INSERT INTO events (run_id, seq, type, payload, event_count) VALUES', 5);
    this.#getRun = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE run_id = ?`);
    this.#latestUnfinished = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE status = 'running' AND workflow = ? ORDER BY started_at DESC, run_id DESC LIMIT 1`);
    this.#operationLog = db.prepare('SELECT records FROM operation_log WHERE run_id = ? ORDER BY seq');
    const found = 'SELECT run_id AS "runId", record FROM cache_entries WHERE cache_key = ?';
    this.#findCached = db.prepare(`${found} ORDER BY finished_at DESC NULLS LAST, run_id DESC LIMIT 1`);
    this.#findCachedSince = db.prepare(`${found} AND finished_at >= ? ORDER BY finished_at DESC NULLS LAST, run_id DESC LIMIT 1`);
    this.#blobReferenced = db.prepare('SELECT 1 AS found FROM blob_refs WHERE blob_hash = ? LIMIT 1');
  }

  async commit(batch: WriteBatch): Promise<void> {
    this.#transaction(() => {
      for (const r of batch.runs) {
        this.#upsertRun.run(r.runId, r.workflow, r.definitionHash, r.variables, r.status, r.startedAt, r.finishedAt, r.error, r.reason, r.resumedFrom, r.codecFormat);
      }
      for (const f of batch.finishes) {
        if (this.#finishRun.run(f.status, f.finishedAt, f.error, f.reason, f.runId).changes === 0) throw new Error(unknownRunMessage(f.runId));
      }
      const log = logRows(batch.operations);
      this.#insertLog.run(log.log, (row) => [row.runId, ((this.#lastLogSeq.get(row.runId) as { seq: number } | undefined)?.seq ?? 0) + 1, row.records]);
      for (const [runId, ids] of log.recorded) this.#deleteCacheEntries.run(runId, JSON.stringify(ids));
      this.#insertCacheEntries.run(log.cache, (e) => [e.cacheKey, e.finishedAt, e.runId, e.operationId, e.record]);
      this.#insertBlobRefs.run(log.blobs, (b) => [b.runId, b.blob]);
      const rows = journalRows(batch.events);
      const seqs = rows.map((row) => {
        const found = this.#lastSeq.get(row.runId) as { last: number } | undefined;
        return (found?.last ?? 0) + 1;
      });
      let k = 0;
      this.#insertEvents.run(rows, (row) => [row.runId, seqs[k++], row.type, row.payload, row.count]);
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

  async operationLog(runId: string): Promise<{ records: string }[]> {
    return this.#operationLog.all(runId) as { records: string }[];
  }

  async findByCacheKey(cacheKey: string, notBefore: number | undefined): Promise<CacheEntry | undefined> {
    return (notBefore === undefined ? this.#findCached.get(cacheKey) : this.#findCachedSince.get(cacheKey, notBefore)) as CacheEntry | undefined;
  }

  async events(runId: string, afterSeq: number, limit: number | undefined): Promise<StoredJournalRow[]> {
    const sql =
      'SELECT seq, type, payload, event_count AS count FROM events WHERE run_id = ? ' +
      `AND seq >= coalesce((SELECT max(seq) FROM events WHERE run_id = ? AND seq <= ?), 0) AND seq + event_count - 1 > ? ORDER BY seq${limit === undefined ? '' : ' LIMIT ?'}`;
    const params = [runId, runId, afterSeq + 1, afterSeq];
    return this.#db.prepare(sql).all(...(limit === undefined ? params : [...params, limit])) as StoredJournalRow[];
  }

  async prune(olderThan: number): Promise<PrunedRows> {
    return this.#transaction(() => {
      const runs = (this.#db.prepare(`SELECT run_id AS "runId" FROM runs WHERE ${PRUNE_CONDITION}? ORDER BY run_id`).all(olderThan) as { runId: string }[]).map((r) => r.runId);
      if (runs.length === 0) return { runs, unreferencedBlobs: [] };
      const candidates = this.#db
        .prepare(`SELECT DISTINCT blob_hash AS hash FROM blob_refs WHERE run_id IN (SELECT run_id FROM runs WHERE ${PRUNE_CONDITION}?)`)
        .all(olderThan) as { hash: string }[];
      this.#db.prepare(`DELETE FROM runs WHERE ${PRUNE_CONDITION}?`).run(olderThan);
      const unreferencedBlobs = candidates.map((c) => c.hash).filter((hash) => this.#blobReferenced.get(hash) === undefined);
      return { runs, unreferencedBlobs: unreferencedBlobs.sort() };
    });
  }

  async createExecution(row: NewExecutionRow): Promise<{ row: ExecutionRow; created: boolean }> {
    return this.#transaction(() => {
      if (row.idempotencyKey !== null) {
        const found = this.#db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM executions WHERE workflow = ? AND idempotency_key = ?`).get(row.workflow, row.idempotencyKey) as ExecutionRow | undefined;
        if (found !== undefined) return { row: found, created: false };
      }
      const position = ((this.#db.prepare('SELECT max(position) AS last FROM executions').get() as { last: number | null }).last ?? 0) + 1;
      this.#db
        .prepare(
          `INSERT INTO executions (execution_id, workflow, params, status, position, submitted_at, started_at, finished_at, run_ids, error, reason, idempotency_key)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(row.executionId, row.workflow, row.params, row.status, position, row.submittedAt, row.startedAt, row.finishedAt, row.runIds, row.error, row.reason, row.idempotencyKey);
      return { row: { ...row, position }, created: true };
    });
  }

  async updateExecution(executionId: string, change: (row: ExecutionRow) => ExecutionRow): Promise<ExecutionRow | undefined> {
    return this.#transaction(() => {
      const row = this.#db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM executions WHERE execution_id = ?`).get(executionId) as ExecutionRow | undefined;
      if (row === undefined) return undefined;
      const next = change(row);
      this.#db
        .prepare('UPDATE executions SET status = ?, started_at = ?, finished_at = ?, run_ids = ?, error = ?, reason = ? WHERE execution_id = ?')
        .run(next.status, next.startedAt, next.finishedAt, next.runIds, next.error, next.reason, executionId);
      return next;
    });
  }

  async getExecution(executionId: string): Promise<ExecutionRow | undefined> {
    return this.#db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM executions WHERE execution_id = ?`).get(executionId) as ExecutionRow | undefined;
  }

  async listExecutions(filter: ExecutionFilter): Promise<ExecutionRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.workflow !== undefined) {
      where.push('workflow = ?');
      params.push(filter.workflow);
    }
    if (filter.statuses !== undefined) {
      where.push('status IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(filter.statuses));
    }
    if (filter.beforePosition !== undefined) {
      where.push('position < ?');
      params.push(filter.beforePosition);
    }
    params.push(filter.limit);
    const sql = `SELECT ${EXECUTION_COLUMNS} FROM executions ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY position DESC LIMIT ?`;
    return this.#db.prepare(sql).all(...params) as ExecutionRow[];
  }

  async unfinishedExecutions(): Promise<ExecutionRow[]> {
    return this.#db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM executions WHERE status IN ('queued', 'running') ORDER BY position`).all() as ExecutionRow[];
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

/**
 * An `INSERT ... VALUES` of many rows in few statements: rows go in chunks
 * of up to {@link RowsStatement.CHUNK}, each chunk size's statement prepared
 * once. One multi-row statement costs a fraction of as many one-row ones.
 */
class RowsStatement {
  static readonly CHUNK = 64;
  readonly #statements = new Map<number, Statement>();

  constructor(
    private readonly db: Connection,
    private readonly head: string,
    private readonly columns: number,
    private readonly tail = '',
  ) {}

  run<T>(rows: readonly T[], values: (row: T) => readonly unknown[]): void {
    for (let start = 0; start < rows.length; start += RowsStatement.CHUNK) {
      const end = Math.min(rows.length, start + RowsStatement.CHUNK);
      const params: unknown[] = [];
      for (let i = start; i < end; i++) for (const v of values(rows[i]!)) params.push(v);
      this.#statement(end - start).run(...params);
    }
  }

  #statement(count: number): Statement {
    let statement = this.#statements.get(count);
    if (statement === undefined) {
      const row = `(${new Array<string>(this.columns).fill('?').join(', ')})`;
      statement = this.db.prepare(`${this.head} ${new Array<string>(count).fill(row).join(', ')} ${this.tail}`);
      this.#statements.set(count, statement);
    }
    return statement;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
