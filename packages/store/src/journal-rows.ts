import type { JsonValue } from '@portflow/core';
import type { JournalEvent } from './records';
import type { EventRow } from './store-rows';

/**
 * The `type` of a journal row that holds several events: its payload is a
 * JSON array of `[type, payload]` pairs, its `event_count` their number and
 * its `seq` the first one's. Other rows hold one event each (all rows
 * written by schema version 1, and single events since). @internal
 */
export const BATCH_TYPE = '*';

/** A journal row to insert: events of one run in a row, numbered from the run's next `seq`. @internal */
export interface JournalRow {
  readonly runId: string;
  readonly type: string;
  readonly payload: string;
  readonly count: number;
}

/** A journal row as read back. @internal */
export interface StoredJournalRow {
  readonly seq: number;
  readonly type: string;
  readonly payload: string;
  readonly count: number;
}

/**
 * The rows that store `events` (in order): one per run, holding that run's
 * events of the batch in order, so that a group commit writes one row per
 * run however many events it carries. @internal
 */
export function journalRows(events: readonly EventRow[]): JournalRow[] {
  const byRun = new Map<string, EventRow[]>();
  for (const e of events) {
    const list = byRun.get(e.runId);
    if (list === undefined) byRun.set(e.runId, [e]);
    else list.push(e);
  }
  const rows: JournalRow[] = [];
  for (const [runId, list] of byRun) {
    if (list.length === 1) rows.push({ runId, type: list[0]!.type, payload: list[0]!.payload, count: 1 });
    else {
      let payload = '[';
      for (let i = 0; i < list.length; i++) payload += `${i === 0 ? '' : ','}[${JSON.stringify(list[i]!.type)},${list[i]!.payload}]`;
      rows.push({ runId, type: BATCH_TYPE, payload: `${payload}]`, count: list.length });
    }
  }
  return rows;
}

/** The events stored in `rows` (ordered by `seq`) after `afterSeq`, at most `limit` of them. @internal */
export function eventsFromRows(rows: readonly StoredJournalRow[], afterSeq: number, limit: number | undefined): JournalEvent[] {
  const events: JournalEvent[] = [];
  const max = limit ?? Number.POSITIVE_INFINITY;
  for (const row of rows) {
    if (events.length >= max) break;
    const seq = Number(row.seq);
    if (row.type !== BATCH_TYPE) {
      if (seq > afterSeq) events.push({ seq, type: row.type, payload: JSON.parse(row.payload) as JsonValue });
      continue;
    }
    const pairs = JSON.parse(row.payload) as [string, JsonValue][];
    for (let i = Math.max(0, afterSeq + 1 - seq); i < pairs.length && events.length < max; i++) {
      events.push({ seq: seq + i, type: pairs[i]![0], payload: pairs[i]![1] });
    }
  }
  return events;
}
