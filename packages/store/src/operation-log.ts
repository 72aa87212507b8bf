import type { ErrorSummary, OperationStatus } from '@portflow/core';
import { isInlineOutputRef, type OutputRef } from './output-ref';
import type { OperationRecordInput, RecordedOperation } from './records';

/**
 * How the store holds operation records: a run's records are appended to
 * its operation log, one row per group commit holding a JSON array of the
 * records in it, so that recording an operation costs a few microseconds
 * rather than a row insert or two (see docs/durability.md). A record
 * appended later replaces an earlier one of the same operation. Records
 * marked `cacheable` are also written to the cache index (one row each),
 * which `findByCacheKey` reads; output blobs are listed per run for
 * `prune`.
 */

/** One record as the log holds it (JSON; absent fields may also be null in migrated stores). @internal */
export interface LoggedOperation {
  readonly operationId: string;
  readonly status: OperationStatus;
  readonly attempts: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly error?: ErrorSummary | null;
  readonly reason?: string | null;
  readonly cacheKey?: string | null;
  readonly restoredFrom?: string | null;
  /** Output refs by port: inline bytes in base64, or the blob's hash. */
  readonly outputs?: Readonly<Record<string, LoggedOutput>> | null;
}

/** @internal */
export interface LoggedOutput {
  readonly hash: string;
  readonly size: number;
  readonly inline64?: string | null;
  /** Inline bytes in hex, as the migration from schema version 1 wrote them. */
  readonly inlineHex?: string | null;
  readonly blob?: string | null;
}

/** A queued record: its JSON and what else it writes. @internal */
export interface LogWrite {
  readonly runId: string;
  readonly operationId: string;
  /** The `LoggedOperation` as JSON text. */
  readonly json: string;
  /** Set when the record goes into the cache index too. */
  readonly cache?: { readonly key: string; readonly finishedAt: number | null };
  /** Blobs its outputs reference. */
  readonly blobs: readonly string[];
}

/** One operation-log row to insert: a run's records of one commit, as a JSON array. @internal */
export interface LogRow {
  readonly runId: string;
  readonly records: string;
}

/** One cache-index row to insert. @internal */
export interface CacheEntryRow {
  readonly cacheKey: string;
  readonly finishedAt: number | null;
  readonly runId: string;
  readonly operationId: string;
  readonly record: string;
}

/** One blob reference of a run. @internal */
export interface BlobRefRow {
  readonly runId: string;
  readonly blob: string;
}

/**
 * A validated record as the log holds it, as JSON text (a `LoggedOperation`),
 * written directly: the status is one of the known ones, hashes are hex, so
 * only strings from the caller go through `JSON.stringify`. @internal
 */
export function loggedJson(record: OperationRecordInput, startedAt: number | null, finishedAt: number | null, errorJson: string | undefined): string {
  let text = `{"operationId":${JSON.stringify(record.operationId)},"status":"${record.status}","attempts":${record.attempts},"startedAt":${startedAt},"finishedAt":${finishedAt}`;
  if (errorJson !== undefined) text += `,"error":${errorJson}`;
  if (record.reason !== undefined) text += `,"reason":${JSON.stringify(record.reason)}`;
  if (record.cacheKey !== undefined) text += `,"cacheKey":${JSON.stringify(record.cacheKey)}`;
  if (record.restoredFrom !== undefined) text += `,"restoredFrom":${JSON.stringify(record.restoredFrom)}`;
  if (record.outputs !== undefined) {
    let first = true;
    text += ',"outputs":{';
    for (const port in record.outputs) {
      const ref = record.outputs[port]!;
      text += `${first ? '' : ','}${JSON.stringify(port)}:{"hash":"${ref.hash}","size":${ref.size},`;
      text += isInlineOutputRef(ref) ? `"inline64":"${Buffer.from(ref.inline.buffer, ref.inline.byteOffset, ref.inline.byteLength).toString('base64')}"}` : `"blob":"${ref.blob}"}`;
      first = false;
    }
    text += '}';
  }
  return `${text}}`;
}

/**
 * The rows a commit writes for `writes` (the last write of each operation,
 * in order): one log row per run; the operations recorded, by run (their
 * earlier cache-index entries are removed); the new cache-index entries and
 * blob references. @internal
 */
export function logRows(writes: readonly LogWrite[]): { log: LogRow[]; recorded: Map<string, string[]>; cache: CacheEntryRow[]; blobs: BlobRefRow[] } {
  const byRun = new Map<string, string[]>();
  const recorded = new Map<string, string[]>();
  const cache: CacheEntryRow[] = [];
  const blobs = new Map<string, BlobRefRow>();
  for (const w of writes) {
    const list = byRun.get(w.runId);
    if (list === undefined) {
      byRun.set(w.runId, [w.json]);
      recorded.set(w.runId, [w.operationId]);
    } else {
      list.push(w.json);
      recorded.get(w.runId)!.push(w.operationId);
    }
    if (w.cache !== undefined) cache.push({ cacheKey: w.cache.key, finishedAt: w.cache.finishedAt, runId: w.runId, operationId: w.operationId, record: w.json });
    for (const blob of w.blobs) blobs.set(`${w.runId}\u0000${blob}`, { runId: w.runId, blob });
  }
  const log: LogRow[] = [];
  for (const [runId, records] of byRun) log.push({ runId, records: `[${records.join(',')}]` });
  return { log, recorded, cache, blobs: [...blobs.values()] };
}

/** A run's records from its log rows (in append order): the last record of each operation, by operation id. @internal */
export function operationsFromLog(runId: string, rows: readonly { readonly records: string }[]): RecordedOperation[] {
  const latest = new Map<string, LoggedOperation>();
  for (const row of rows) for (const logged of JSON.parse(row.records) as LoggedOperation[]) latest.set(logged.operationId, logged);
  return [...latest.keys()].sort(byCodePoint).map((id) => recordedOperation(runId, latest.get(id)!));
}

/** A record of the cache index. @internal */
export function operationFromCacheEntry(runId: string, record: string): RecordedOperation {
  return recordedOperation(runId, JSON.parse(record) as LoggedOperation);
}

function recordedOperation(runId: string, logged: LoggedOperation): RecordedOperation {
  const outputs: Record<string, OutputRef> = {};
  for (const [port, o] of Object.entries(logged.outputs ?? {})) {
    outputs[port] = typeof o.blob === 'string' ? { hash: o.hash, size: o.size, blob: o.blob } : { hash: o.hash, size: o.size, inline: inlineBytes(o) };
  }
  const { error, reason, cacheKey, restoredFrom } = logged;
  return {
    runId,
    operationId: logged.operationId,
    status: logged.status,
    attempts: logged.attempts,
    startedAt: logged.startedAt,
    finishedAt: logged.finishedAt,
    ...(error !== undefined && error !== null && { error }),
    ...(reason !== undefined && reason !== null && { reason }),
    ...(cacheKey !== undefined && cacheKey !== null && { cacheKey }),
    outputs,
    restored: restoredFrom !== undefined && restoredFrom !== null,
    ...(restoredFrom !== undefined && restoredFrom !== null && { restoredFrom }),
  };
}

function inlineBytes(o: LoggedOutput): Uint8Array {
  return new Uint8Array(typeof o.inline64 === 'string' ? Buffer.from(o.inline64, 'base64') : Buffer.from(o.inlineHex ?? '', 'hex'));
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
