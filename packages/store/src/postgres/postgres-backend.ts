import type { Pool, PoolClient } from 'pg';
import type { SqlDialect } from '../migrations';
import { logRows } from '../operation-log';
import { executionColumns, type ExecutionRow, type NewExecutionRow } from '../execution-rows';
import type { CacheEntry, ExecutionFilter, PrunedRows, RunFilter, StoreBackend } from '../store-backend';
import { unknownRunMessage } from '../store-backend';
import { journalRows, type StoredJournalRow } from '../journal-rows';
import type { RunRow } from '../store-rows';
import type { WriteBatch } from '../store-writes';
import { PRUNE_CONDITION, runColumns } from '../sql-columns';

/** The SQL dialect of a store in PostgreSQL schema `schema`. @internal */
export function dialectFor(schema: string): SqlDialect {
  return { name: 'postgres', table: (name) => `${quote(schema)}.${name}`, integer: 'BIGINT', bytes: 'BYTEA', json: 'JSONB' };
}

/** `identifier` quoted for SQL. @internal */
export function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

const RUN_COLUMNS = runColumns((c) => `${c}::text`);
const EXECUTION_COLUMNS = executionColumns((c) => `${c}::text`);

/** A {@link StoreBackend} on a `pg` pool; each batch is one transaction on one connection, rows passed as arrays (`unnest`). @internal */
export class PostgresBackend implements StoreBackend {
  readonly #pool: Pool;
  readonly #t: (name: string) => string;

  constructor(pool: Pool, schema: string) {
    this.#pool = pool;
    this.#t = dialectFor(schema).table;
  }

  async commit(batch: WriteBatch): Promise<void> {
    await this.#transaction(async (client) => {
      const t = this.#t;
      if (batch.runs.length > 0) {
        const r = batch.runs;
        await client.query(
          `INSERT INTO ${t('runs')} (run_id, workflow, definition_hash, variables, status, started_at, finished_at, error, reason, resumed_from, codec_format)
           SELECT id, w, d, v::jsonb, s, sa, fa, e::jsonb, re, rf, cf
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::int8[], $8::text[], $9::text[], $10::text[], $11::text[])
             AS x(id, w, d, v, s, sa, fa, e, re, rf, cf)
           ON CONFLICT (run_id) DO UPDATE SET workflow = excluded.workflow, definition_hash = excluded.definition_hash, variables = excluded.variables,
             status = excluded.status, started_at = excluded.started_at, finished_at = excluded.finished_at, error = excluded.error,
             reason = excluded.reason, resumed_from = excluded.resumed_from, codec_format = excluded.codec_format`,
          [
            r.map((x) => x.runId),
            r.map((x) => x.workflow),
            r.map((x) => x.definitionHash),
            r.map((x) => x.variables),
            r.map((x) => x.status),
            r.map((x) => x.startedAt),
            r.map((x) => x.finishedAt),
            r.map((x) => x.error),
            r.map((x) => x.reason),
            r.map((x) => x.resumedFrom),
            r.map((x) => x.codecFormat),
          ],
        );
      }
      if (batch.finishes.length > 0) {
        const f = batch.finishes;
        const updated = await client.query<{ runId: string }>(
          `UPDATE ${t('runs')} AS r SET status = x.s, finished_at = x.fa, error = x.e::jsonb, reason = x.re
           FROM unnest($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[]) AS x(id, s, fa, e, re)
           WHERE r.run_id = x.id RETURNING r.run_id AS "runId"`,
          [f.map((x) => x.runId), f.map((x) => x.status), f.map((x) => x.finishedAt), f.map((x) => x.error), f.map((x) => x.reason)],
        );
        const found = new Set(updated.rows.map((row) => row.runId));
        const missing = f.find((x) => !found.has(x.runId));
        if (missing !== undefined) throw new Error(unknownRunMessage(missing.runId));
      }
      if (batch.operations.length > 0) {
        // One log row per run, numbered after the run's last; cacheable records also into the index; blobs listed per run.
        const { log, recorded, cache, blobs } = logRows(batch.operations);
        await client.query(
          `INSERT INTO ${t('operation_log')} (run_id, seq, records)
           SELECT x.id, coalesce((SELECT l.seq + 1 FROM ${t('operation_log')} AS l WHERE l.run_id = x.id ORDER BY l.seq DESC LIMIT 1), 1), x.r
           FROM unnest($1::text[], $2::text[]) AS x(id, r)`,
          [log.map((x) => x.runId), log.map((x) => x.records)],
        );
        const pairs = [...recorded].flatMap(([runId, ops]) => ops.map((op) => [runId, op] as const));
        await client.query(
          `DELETE FROM ${t('cache_entries')} AS c USING unnest($1::text[], $2::text[]) AS x(id, op) WHERE c.run_id = x.id AND c.operation_id = x.op`,
          [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
        );
        if (cache.length > 0) {
          await client.query(
            `INSERT INTO ${t('cache_entries')} (cache_key, finished_at, run_id, operation_id, record)
             SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[])`,
            [cache.map((x) => x.cacheKey), cache.map((x) => x.finishedAt), cache.map((x) => x.runId), cache.map((x) => x.operationId), cache.map((x) => x.record)],
          );
        }
        if (blobs.length > 0) {
          await client.query(`INSERT INTO ${t('blob_refs')} (run_id, blob_hash) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`, [
            blobs.map((x) => x.runId),
            blobs.map((x) => x.blob),
          ]);
        }
      }
      if (batch.events.length > 0) {
        // One journal row per run (journalRows), numbered after the run's last event.
        const rows = journalRows(batch.events);
        await client.query(
          `INSERT INTO ${t('events')} (run_id, seq, type, payload, event_count)
           SELECT x.id, coalesce((SELECT e.seq + e.event_count FROM ${t('events')} AS e WHERE e.run_id = x.id ORDER BY e.seq DESC LIMIT 1), 1), x.ty, x.p::jsonb, x.n
           FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[]) AS x(id, ty, p, n)`,
          [rows.map((x) => x.runId), rows.map((x) => x.type), rows.map((x) => x.payload), rows.map((x) => x.count)],
        );
      }
    });
  }

  async getRun(runId: string): Promise<RunRow | undefined> {
    return (await this.#pool.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM ${this.#t('runs')} WHERE run_id = $1`, [runId])).rows[0];
  }

  async listRuns(filter: RunFilter): Promise<RunRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    if (filter.workflow !== undefined) where.push(`workflow = ${param(filter.workflow)}`);
    if (filter.statuses !== undefined) where.push(`status = ANY(${param(filter.statuses)}::text[])`);
    if (filter.before !== undefined) {
      where.push(`(started_at, run_id) < (${param(filter.before.startedAt)}::int8, ${param(filter.before.runId)}::text)`);
    }
    const sql = `SELECT ${RUN_COLUMNS} FROM ${this.#t('runs')} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, run_id DESC LIMIT ${param(filter.limit)}`;
    return (await this.#pool.query<RunRow>(sql, params)).rows;
  }

  async latestUnfinished(workflow: string): Promise<RunRow | undefined> {
    const sql = `SELECT ${RUN_COLUMNS} FROM ${this.#t('runs')} WHERE status = 'running' AND workflow = $1 ORDER BY started_at DESC, run_id DESC LIMIT 1`;
    return (await this.#pool.query<RunRow>(sql, [workflow])).rows[0];
  }

  async operationLog(runId: string): Promise<{ records: string }[]> {
    return (await this.#pool.query<{ records: string }>(`SELECT records FROM ${this.#t('operation_log')} WHERE run_id = $1 ORDER BY seq`, [runId])).rows;
  }

  async findByCacheKey(cacheKey: string, notBefore: number | undefined): Promise<CacheEntry | undefined> {
    const since = notBefore === undefined ? '' : 'AND finished_at >= $2';
    const sql = `SELECT run_id AS "runId", record FROM ${this.#t('cache_entries')} WHERE cache_key = $1 ${since} ORDER BY finished_at DESC NULLS LAST, run_id DESC LIMIT 1`;
    return (await this.#pool.query<CacheEntry>(sql, notBefore === undefined ? [cacheKey] : [cacheKey, notBefore])).rows[0];
  }

  async events(runId: string, afterSeq: number, limit: number | undefined): Promise<StoredJournalRow[]> {
    const t = this.#t;
    const sql =
      `SELECT seq::int8 AS seq, type, payload::text AS payload, event_count::int8 AS count FROM ${t('events')} WHERE run_id = $1 ` +
      `AND seq >= coalesce((SELECT max(seq) FROM ${t('events')} WHERE run_id = $1 AND seq <= $2::int8 + 1), 0) AND seq + event_count - 1 > $2 ` +
      `ORDER BY seq${limit === undefined ? '' : ' LIMIT $3'}`;
    return (await this.#pool.query<StoredJournalRow>(sql, limit === undefined ? [runId, afterSeq] : [runId, afterSeq, limit])).rows;
  }

  async prune(olderThan: number): Promise<PrunedRows> {
    return this.#transaction(async (client) => {
      const t = this.#t;
      const candidates = await client.query<{ hash: string }>(
        `SELECT DISTINCT blob_hash AS hash FROM ${t('blob_refs')} WHERE run_id IN (SELECT run_id FROM ${t('runs')} WHERE ${PRUNE_CONDITION}$1)`,
        [olderThan],
      );
      const deleted = await client.query<{ runId: string }>(`DELETE FROM ${t('runs')} WHERE ${PRUNE_CONDITION}$1 RETURNING run_id AS "runId"`, [olderThan]);
      const runs = deleted.rows.map((r) => r.runId).sort();
      if (candidates.rows.length === 0) return { runs, unreferencedBlobs: [] };
      const unreferenced = await client.query<{ hash: string }>(
        `SELECT c.hash FROM unnest($1::text[]) AS c(hash) WHERE NOT EXISTS (SELECT 1 FROM ${t('blob_refs')} AS o WHERE o.blob_hash = c.hash) ORDER BY c.hash`,
        [candidates.rows.map((c) => c.hash)],
      );
      return { runs, unreferencedBlobs: unreferenced.rows.map((r) => r.hash) };
    });
  }

  async createExecution(row: NewExecutionRow): Promise<{ row: ExecutionRow; created: boolean }> {
    return this.#transaction(async (client) => {
      const t = this.#t('executions');
      // One writer of new executions at a time per schema: positions are max + 1, and an idempotency key is looked up before it is inserted.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`portflow-executions:${t}`]);
      if (row.idempotencyKey !== null) {
        const found = await client.query<ExecutionRow>(`SELECT ${EXECUTION_COLUMNS} FROM ${t} WHERE workflow = $1 AND idempotency_key = $2`, [row.workflow, row.idempotencyKey]);
        if (found.rows[0] !== undefined) return { row: found.rows[0], created: false };
      }
      const inserted = await client.query<ExecutionRow>(
        `INSERT INTO ${t} (execution_id, workflow, params, status, position, submitted_at, started_at, finished_at, run_ids, error, reason, idempotency_key)
         SELECT $1, $2, $3::jsonb, $4, coalesce((SELECT max(position) FROM ${t}), 0) + 1, $5, $6, $7, $8, $9::jsonb, $10, $11
         RETURNING ${EXECUTION_COLUMNS}`,
        [row.executionId, row.workflow, row.params, row.status, row.submittedAt, row.startedAt, row.finishedAt, row.runIds, row.error, row.reason, row.idempotencyKey],
      );
      return { row: inserted.rows[0]!, created: true };
    });
  }

  async updateExecution(executionId: string, change: (row: ExecutionRow) => ExecutionRow): Promise<ExecutionRow | undefined> {
    return this.#transaction(async (client) => {
      const t = this.#t('executions');
      const found = await client.query<ExecutionRow>(`SELECT ${EXECUTION_COLUMNS} FROM ${t} WHERE execution_id = $1 FOR UPDATE`, [executionId]);
      const row = found.rows[0];
      if (row === undefined) return undefined;
      const next = change(row);
      await client.query(`UPDATE ${t} SET status = $1, started_at = $2, finished_at = $3, run_ids = $4, error = $5::jsonb, reason = $6 WHERE execution_id = $7`, [
        next.status,
        next.startedAt,
        next.finishedAt,
        next.runIds,
        next.error,
        next.reason,
        executionId,
      ]);
      return next;
    });
  }

  async getExecution(executionId: string): Promise<ExecutionRow | undefined> {
    return (await this.#pool.query<ExecutionRow>(`SELECT ${EXECUTION_COLUMNS} FROM ${this.#t('executions')} WHERE execution_id = $1`, [executionId])).rows[0];
  }

  async listExecutions(filter: ExecutionFilter): Promise<ExecutionRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    if (filter.workflow !== undefined) where.push(`workflow = ${param(filter.workflow)}`);
    if (filter.statuses !== undefined) where.push(`status = ANY(${param(filter.statuses)}::text[])`);
    if (filter.beforePosition !== undefined) where.push(`position < ${param(filter.beforePosition)}::int8`);
    const sql = `SELECT ${EXECUTION_COLUMNS} FROM ${this.#t('executions')} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY position DESC LIMIT ${param(filter.limit)}`;
    return (await this.#pool.query<ExecutionRow>(sql, params)).rows;
  }

  async unfinishedExecutions(): Promise<ExecutionRow[]> {
    return (await this.#pool.query<ExecutionRow>(`SELECT ${EXECUTION_COLUMNS} FROM ${this.#t('executions')} WHERE status IN ('queued', 'running') ORDER BY position`)).rows;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #transaction<T>(body: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
