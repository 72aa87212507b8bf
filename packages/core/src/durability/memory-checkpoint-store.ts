import { UnknownRunError } from '../errors/errors';
import type { EngineEvent } from '../events/events';
import type { CheckpointRecord, CheckpointRun, CheckpointRunSummary, CheckpointSession, CheckpointStore, StoredOperation } from './checkpoint-store';

/** A run as a {@link MemoryCheckpointStore} keeps it. */
export interface MemoryRunRecord {
  /** The run's id. */
  readonly runId: string;
  /** Its graph's name. */
  readonly graphName: string;
  /** Hash of its graph's definition. */
  readonly definitionHash: string;
  /** The run it resumed, if any. */
  readonly resumedFrom: string | undefined;
  /** Epoch ms when the store opened it. */
  readonly startedAt: number;
  /** `running` until the run closes. */
  status: CheckpointRunSummary['status'] | 'running';
  /** Epoch ms when it closed. */
  finishedAt: number | undefined;
  /** Final records by operation id. */
  readonly operations: Map<string, CheckpointRecord>;
  /** Its events, in order (the journal). */
  readonly events: EngineEvent[];
}

/**
 * A {@link CheckpointStore} in memory: resume and caching within one
 * process, for tests, notebooks and scripts. Everything is lost with the
 * process; use `@portflow/store` (SQLite, PostgreSQL) for runs that must
 * survive it.
 *
 * @example
 * ```ts
 * const store = new MemoryCheckpointStore();
 * await engine.run(graph, { store });
 * store.runs()[0]?.operations.get('train')?.status; // 'succeeded'
 * ```
 */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly byId = new Map<string, MemoryRunRecord>();
  /** Newest record of each cache key: the run and operation that holds it. */
  private readonly byKey = new Map<string, { runId: string; operationId: string; at: number }>();

  /** Every run, oldest first. */
  runs(): readonly MemoryRunRecord[] {
    return [...this.byId.values()];
  }

  /** The run `runId`, if the store has it. */
  run(runId: string): MemoryRunRecord | undefined {
    return this.byId.get(runId);
  }

  /** Opens a run's records; rejects with an `UnknownRunError` when `run.resume` names no run it holds. */
  async openRun(run: CheckpointRun): Promise<CheckpointSession> {
    const from = run.resume === undefined ? undefined : this.resumable(run.resume, run.graphName, run.anyOutcome === true);
    const record: MemoryRunRecord = {
      runId: run.runId,
      graphName: run.graphName,
      definitionHash: run.definitionHash,
      resumedFrom: from?.runId,
      startedAt: Date.now(),
      status: 'running',
      finishedAt: undefined,
      operations: new Map(),
      events: [],
    };
    const rootRunId = from === undefined ? undefined : this.rootOf(from);
    this.byId.set(run.runId, record);
    return {
      resumedFrom: from?.runId,
      ...(rootRunId === undefined ? {} : { rootRunId }),
      restorable: (operationId) => {
        const done = from?.operations.get(operationId);
        return done === undefined ? undefined : this.stored(from!.runId, done);
      },
      findCached: async (cacheKey, maxAgeMs) => {
        const hit = this.byKey.get(cacheKey);
        if (hit === undefined || (maxAgeMs !== undefined && Date.now() - hit.at > maxAgeMs)) return undefined;
        const done = this.byId.get(hit.runId)?.operations.get(hit.operationId);
        return done === undefined ? undefined : this.stored(hit.runId, done);
      },
      record: (op) => {
        record.operations.set(op.operationId, op);
        if (op.cacheable === true && op.status === 'succeeded' && op.cacheKey !== undefined && op.outputs !== undefined) {
          this.byKey.set(op.cacheKey, { runId: run.runId, operationId: op.operationId, at: op.finishedAt ?? Date.now() });
        }
      },
      event: (event) => void record.events.push(event),
      close: async (summary) => {
        record.status = summary.status;
        record.finishedAt = summary.finishedAt;
      },
    };
  }

  /** The run to resume: `runId`, or for `'latest'` the newest run of `graphName` that did not succeed (any, with `anyOutcome`). */
  private resumable(resume: string, graphName: string, anyOutcome: boolean): MemoryRunRecord {
    if (resume === 'latest') {
      const runs = [...this.byId.values()].filter((r) => r.graphName === graphName && r.status !== 'running' && (anyOutcome || r.status !== 'succeeded'));
      const latest = runs[runs.length - 1];
      if (latest === undefined) throw new UnknownRunError(`No ${anyOutcome ? '' : 'unfinished '}run of graph '${graphName}' to resume; start it without resume`);
      return latest;
    }
    const found = this.byId.get(resume);
    if (found === undefined) throw new UnknownRunError(`No run '${resume}' in this store to resume; list runs with store.runs(), or resume 'latest'`);
    return found;
  }

  /** The first run of `run`'s resume chain (`resumedFrom`, followed back as far as this store holds runs). */
  private rootOf(run: MemoryRunRecord): string {
    const seen = new Set<string>([run.runId]);
    let root = run;
    while (root.resumedFrom !== undefined && !seen.has(root.resumedFrom)) {
      seen.add(root.resumedFrom);
      const earlier = this.byId.get(root.resumedFrom);
      if (earlier === undefined) return root.resumedFrom;
      root = earlier;
    }
    return root.runId;
  }

  private stored(runId: string, record: CheckpointRecord): StoredOperation | undefined {
    const outputs = record.outputs;
    if (record.status !== 'succeeded' || record.cacheKey === undefined || outputs === undefined) return undefined;
    return {
      runId: record.restoredFrom ?? runId,
      cacheKey: record.cacheKey,
      outputs: Object.fromEntries(Object.entries(outputs).map(([port, o]) => [port, { hash: o.hash }])),
      load: async () => Object.fromEntries(Object.entries(outputs).map(([port, o]) => [port, o.bytes])),
    };
  }
}
