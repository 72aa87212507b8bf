import {
  UnknownRunError,
  type CheckpointRecord,
  type CheckpointRun,
  type CheckpointSession,
  type CheckpointStore,
  type JsonValue,
  type StoredOperation,
} from '@portflow/core';
import type { OutputRef } from './output-ref';
import type { RecordedOperation, RunRecord } from './records';
import type { RunStore } from './run-store';

/**
 * The engine's checkpoint store on a {@link RunStore}: a run given it is
 * recorded in SQLite or PostgreSQL (each operation's outcome, cache key and
 * outputs, and the run's event journal), and a later run, in this process
 * or another, can resume it.
 *
 * @example
 * ```ts
 * const runs = await openRunStore('.portflow/store.db');
 * const store = checkpointsIn(runs);
 * await engine.run(graph, { store });                     // killed half-way, say
 * await engine.run(graph, { store, resume: 'latest' });   // restores what completed
 * await runs.close();
 * ```
 */
export function checkpointsIn(runs: RunStore): CheckpointStore {
  return { openRun: (run) => openSession(runs, run) };
}

async function openSession(runs: RunStore, run: CheckpointRun): Promise<CheckpointSession> {
  const from = run.resume === undefined ? undefined : await resumable(runs, run);
  const done = new Map<string, RecordedOperation>();
  if (from !== undefined) for (const op of await runs.operations(from.runId)) done.set(op.operationId, op);
  const rootRunId = from === undefined ? undefined : await rootOf(runs, from);
  await runs.startRun({
    runId: run.runId,
    workflow: run.graphName,
    definitionHash: run.definitionHash,
    variables: jsonOf(run.variables) as Readonly<Record<string, JsonValue>>,
    startedAt: Date.now(),
    codecFormat: run.codecFormat,
    ...(from === undefined ? {} : { resumedFrom: from.runId }),
  });
  // Output writes (blob files for large values) run in the background; close waits for them.
  const writes = new Set<Promise<void>>();
  const failures: unknown[] = [];
  const track = (write: Promise<void>): void => {
    const tracked = write.catch((error: unknown) => void failures.push(error)).finally(() => writes.delete(tracked));
    writes.add(tracked);
  };
  return {
    resumedFrom: from?.runId,
    ...(rootRunId === undefined ? {} : { rootRunId }),
    restorable: (operationId) => {
      const op = done.get(operationId);
      return op === undefined ? undefined : stored(runs, op);
    },
    findCached: async (cacheKey, maxAgeMs) => {
      const op = await runs.findByCacheKey(cacheKey, maxAgeMs === undefined ? {} : { notBefore: Date.now() - maxAgeMs });
      return op === undefined ? undefined : stored(runs, op);
    },
    record: (record) => {
      try {
        const writing = write(runs, run.runId, record);
        if (writing !== undefined) track(writing);
      } catch (error) {
        failures.push(error);
      }
    },
    // Journaled without `type` and `runId` (the journal entry and its run hold them). Engine
    // events are plain JSON data, but for the `data` an operation reports with its progress.
    event: (event) => {
      const { type, runId: _run, ...fields } = event;
      runs.appendEvents(run.runId, [{ type, payload: (type === 'OperationProgress' ? jsonOf(fields) : fields) as unknown as JsonValue }]);
    },
    flush: async () => {
      while (writes.size > 0) await Promise.all([...writes]);
      await runs.flush();
      throwFailures(run.runId, failures);
    },
    close: async (summary) => {
      while (writes.size > 0) await Promise.all([...writes]);
      await runs.finishRun(run.runId, { status: summary.status, finishedAt: summary.finishedAt, ...(summary.reason === undefined ? {} : { reason: summary.reason }) });
      await runs.flush();
      throwFailures(run.runId, failures);
    },
  };
}

function throwFailures(runId: string, failures: readonly unknown[]): void {
  if (failures.length > 0) {
    throw new AggregateError(failures, `${failures.length} output${failures.length === 1 ? '' : 's'} of run '${runId}' could not be stored: ${String((failures[0] as Error)?.message ?? failures[0])}`);
  }
}

/** The run `resume` names: an id, or for `'latest'` the newest run of the graph that did not succeed (any run, with `anyOutcome`). */
async function resumable(runs: RunStore, run: CheckpointRun): Promise<RunRecord> {
  if (run.resume !== 'latest') {
    const found = await runs.getRun(run.resume!);
    if (found === undefined) throw new UnknownRunError(`No run '${run.resume}' in the store at ${runs.location} to resume; list runs with 'portflow runs', or resume 'latest'`);
    return found;
  }
  const page = await runs.listRuns({ workflow: run.graphName, status: run.anyOutcome ? ['running', 'failed', 'cancelled', 'succeeded'] : ['running', 'failed', 'cancelled'], limit: 1 });
  const latest = page.runs[0];
  if (latest === undefined) {
    throw new UnknownRunError(`No ${run.anyOutcome ? '' : 'unfinished '}run of '${run.graphName}' in the store at ${runs.location} to resume; run it without resume`);
  }
  return latest;
}

/**
 * The first run of `run`'s resume chain: `resumedFrom` followed back to a
 * run that resumed none (or whose earlier run was pruned: then the id it
 * names). One read per earlier run of the chain.
 */
async function rootOf(runs: RunStore, run: RunRecord): Promise<string> {
  const seen = new Set<string>([run.runId]);
  let root = run;
  while (root.resumedFrom !== undefined && !seen.has(root.resumedFrom)) {
    seen.add(root.resumedFrom);
    const earlier = await runs.getRun(root.resumedFrom);
    if (earlier === undefined) return root.resumedFrom;
    root = earlier;
  }
  return root.runId;
}

/**
 * Queues a record with its outputs: small ones inline at once (with the
 * hash the engine computed), large ones written as blobs first (the
 * returned promise settles when the record is queued).
 */
function write(runs: RunStore, runId: string, record: CheckpointRecord): Promise<void> | undefined {
  if (record.outputs === undefined) {
    queue(runs, runId, record, undefined);
    return undefined;
  }
  const outputs: Record<string, OutputRef> = {};
  let blobs: Promise<void>[] | undefined;
  for (const [port, output] of Object.entries(record.outputs)) {
    if (output.bytes.length <= runs.inlineLimit) outputs[port] = { hash: output.hash, size: output.bytes.length, inline: output.bytes };
    else (blobs ??= []).push(runs.writeOutput(output.bytes).then((ref) => void (outputs[port] = ref)));
  }
  if (blobs === undefined) {
    queue(runs, runId, record, outputs);
    return undefined;
  }
  return Promise.all(blobs).then(() => queue(runs, runId, record, outputs));
}

function queue(runs: RunStore, runId: string, record: CheckpointRecord, outputs: Record<string, OutputRef> | undefined): void {
  runs.recordOperation(runId, {
    operationId: record.operationId,
    status: record.status,
    attempts: record.attempts,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    ...(record.cacheKey !== undefined && { cacheKey: record.cacheKey }),
    ...(outputs !== undefined && { outputs }),
    ...(record.restoredFrom !== undefined && { restoredFrom: record.restoredFrom }),
    ...(record.error !== undefined && { error: record.error }),
    ...(record.reason !== undefined && { reason: record.reason }),
    ...(record.cacheable === true && { cacheable: true }),
  });
}

/**
 * A recorded operation the engine can restore: succeeded, with a cache key,
 * and with its outputs stored (a succeeded operation with a `reason` had
 * outputs that could not be encoded).
 */
function stored(runs: RunStore, op: RecordedOperation): StoredOperation | undefined {
  if (op.status !== 'succeeded' || op.cacheKey === undefined || op.reason !== undefined) return undefined;
  const refs = op.outputs;
  return {
    runId: op.restoredFrom ?? op.runId,
    cacheKey: op.cacheKey,
    outputs: Object.fromEntries(Object.entries(refs).map(([port, ref]) => [port, { hash: ref.hash }])),
    load: async () => {
      const bytes: Record<string, Uint8Array> = {};
      for (const [port, ref] of Object.entries(refs)) bytes[port] = await runs.readOutput(ref);
      return bytes;
    },
  };
}

/** `value` as JSON data: what JSON cannot hold (functions, bigints, cycles) becomes a short description. */
function jsonOf(value: unknown): JsonValue {
  const seen = new WeakSet<object>();
  return JSON.parse(
    JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return `${v}n`;
      if (typeof v === 'function' || typeof v === 'symbol') return `[${typeof v}]`;
      if (v !== null && typeof v === 'object') {
        if (seen.has(v)) return '[cycle]';
        seen.add(v);
      }
      return v;
    }) ?? 'null',
  ) as JsonValue;
}

