import type { Pool, PoolClient } from 'pg';
import type { SqlDialect } from '../migrations';
import type { OperationRows, PrunedRows, RunFilter, StoreBackend } from '../store-backend';
import { unknownRunMessage } from '../store-backend';
import type { OperationRow, OutputRow, RunRow, StoredEventRow } from '../store-rows';
import type { WriteBatch } from '../store-writes';
import { OUTPUT_COLUMNS, PRUNE_CONDITION, operationColumns, runColumns } from '../sql-columns';

/** The SQL dialect of a store in PostgreSQL schema `schema`. @internal */
export function dialectFor(schema: string): SqlDialect {
  return { name: 'postgres', table: (name) => `${quote(schema)}.${name}`, integer: 'BIGINT', bytes: 'BYTEA', json: 'JSONB' };
}

/** `identifier` quoted for SQL. @internal */
export function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

const RUN_COLUMNS = runColumns((c) => `${c}::text`);
const OPERATION_COLUMNS = operationColumns((c) => `${c}::text`);

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
        const o = batch.operations;
        await client.query(
          `INSERT INTO ${t('operations')} (run_id, operation_id, status, attempts, started_at, finished_at, error, reason, cache_key, restored_from)
           SELECT id, op, s, a, sa, fa, e::jsonb, re, ck, rf
           FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::int8[], $7::text[], $8::text[], $9::text[], $10::text[])
             AS x(id, op, s, a, sa, fa, e, re, ck, rf)
           ON CONFLICT (run_id, operation_id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, started_at = excluded.started_at,
             finished_at = excluded.finished_at, error = excluded.error, reason = excluded.reason, cache_key = excluded.cache_key,
             restored_from = excluded.restored_from`,
          [
            o.map((x) => x.runId),
            o.map((x) => x.operationId),
            o.map((x) => x.status),
            o.map((x) => x.attempts),
            o.map((x) => x.startedAt),
            o.map((x) => x.finishedAt),
            o.map((x) => x.error),
            o.map((x) => x.reason),
            o.map((x) => x.cacheKey),
            o.map((x) => x.restoredFrom),
          ],
        );
        await client.query(
          `DELETE FROM ${t('outputs')} AS o USING unnest($1::text[], $2::text[]) AS x(id, op) WHERE o.run_id = x.id AND o.operation_id = x.op`,
          [o.map((x) => x.runId), o.map((x) => x.operationId)],
        );
      }
      if (batch.outputs.length > 0) {
        const o = batch.outputs;
        await client.query(
          `INSERT INTO ${t('outputs')} (run_id, operation_id, port, hash, size, inline_bytes, blob_hash)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::bytea[], $7::text[])`,
          [o.map((x) => x.runId), o.map((x) => x.operationId), o.map((x) => x.port), o.map((x) => x.hash), o.map((x) => x.size), o.map((x) => x.inline), o.map((x) => x.blob)],
        );
      }
      if (batch.events.length > 0) {
        const e = batch.events;
        const runIds = [...new Set(e.map((x) => x.runId))];
        const last = await client.query<{ runId: string; seq: number }>(
          `SELECT run_id AS "runId", max(seq) AS seq FROM ${t('events')} WHERE run_id = ANY($1::text[]) GROUP BY run_id`,
          [runIds],
        );
        const next = new Map(last.rows.map((row) => [row.runId, row.seq]));
        const seqs = e.map((x) => {
          const seq = (next.get(x.runId) ?? 0) + 1;
          next.set(x.runId, seq);
          return seq;
        });
        await client.query(`INSERT INTO ${t('events')} (run_id, seq, type, payload) SELECT id, n, ty, p::jsonb FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[]) AS x(id, n, ty, p)`, [
          e.map((x) => x.runId),
          seqs,
          e.map((x) => x.type),
          e.map((x) => x.payload),
        ]);
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

  async operations(runId: string): Promise<OperationRows> {
    const [operations, outputs] = await Promise.all([
      this.#pool.query<OperationRow>(`SELECT ${OPERATION_COLUMNS} FROM ${this.#t('operations')} WHERE run_id = $1 ORDER BY operation_id`, [runId]),
      this.#pool.query<OutputRow>(`SELECT ${OUTPUT_COLUMNS} FROM ${this.#t('outputs')} WHERE run_id = $1 ORDER BY operation_id, port`, [runId]),
    ]);
    return { operations: operations.rows, outputs: outputs.rows };
  }

  async findByCacheKey(cacheKey: string, notBefore: number | undefined): Promise<OperationRows> {
    const since = notBefore === undefined ? '' : 'AND finished_at >= $2';
    const found = (
      await this.#pool.query<OperationRow>(
        `SELECT ${OPERATION_COLUMNS} FROM ${this.#t('operations')} WHERE cache_key = $1 AND status = 'succeeded' ${since}
         ORDER BY finished_at DESC NULLS LAST, run_id DESC LIMIT 1`,
        notBefore === undefined ? [cacheKey] : [cacheKey, notBefore],
      )
    ).rows[0];
    if (found === undefined) return { operations: [], outputs: [] };
    const outputs = await this.#pool.query<OutputRow>(`SELECT ${OUTPUT_COLUMNS} FROM ${this.#t('outputs')} WHERE run_id = $1 AND operation_id = $2 ORDER BY port`, [
      found.runId,
      found.operationId,
    ]);
    return { operations: [found], outputs: outputs.rows };
  }

  async events(runId: string, afterSeq: number, limit: number | undefined): Promise<StoredEventRow[]> {
    const sql = `SELECT seq, type, payload::text AS payload FROM ${this.#t('events')} WHERE run_id = $1 AND seq > $2 ORDER BY seq${limit === undefined ? '' : ' LIMIT $3'}`;
    return (await this.#pool.query<StoredEventRow>(sql, limit === undefined ? [runId, afterSeq] : [runId, afterSeq, limit])).rows;
  }

  async prune(olderThan: number): Promise<PrunedRows> {
    return this.#transaction(async (client) => {
      const t = this.#t;
      const candidates = await client.query<{ hash: string }>(
        `SELECT DISTINCT blob_hash AS hash FROM ${t('outputs')}
         WHERE blob_hash IS NOT NULL AND run_id IN (SELECT run_id FROM ${t('runs')} WHERE ${PRUNE_CONDITION}$1)`,
        [olderThan],
      );
      const deleted = await client.query<{ runId: string }>(`DELETE FROM ${t('runs')} WHERE ${PRUNE_CONDITION}$1 RETURNING run_id AS "runId"`, [olderThan]);
      const runs = deleted.rows.map((r) => r.runId).sort();
      if (candidates.rows.length === 0) return { runs, unreferencedBlobs: [] };
      const unreferenced = await client.query<{ hash: string }>(
        `SELECT c.hash FROM unnest($1::text[]) AS c(hash) WHERE NOT EXISTS (SELECT 1 FROM ${t('outputs')} AS o WHERE o.blob_hash = c.hash) ORDER BY c.hash`,
        [candidates.rows.map((c) => c.hash)],
      );
      return { runs, unreferencedBlobs: unreferenced.rows.map((r) => r.hash) };
    });
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
