import type { EngineEvent, ErrorSummary, RunCounts } from '../events/events';
import type { RunStatus } from '../results/execution-result';

/**
 * Where a run's progress outlives the process: the engine records each
 * operation's outcome (with its outputs, encoded) as it happens, and a later
 * run can resume from it, restoring what completed instead of running it
 * again. Core defines the contract; `@portflow/store` implements it on
 * SQLite and PostgreSQL, and {@link MemoryCheckpointStore} keeps it in
 * memory (for tests and scripts).
 *
 * @example
 * ```ts
 * const store = new MemoryCheckpointStore();
 * const first = await engine.run(graph, { store });           // killed half-way, say
 * const second = await engine.run(graph, { store, resume: 'latest' });
 * second.getRecords().filter((r) => r.restored).length;        // what was not run again
 * ```
 */
export interface CheckpointStore {
  /**
   * Opens the records of a run that is about to begin. Rejects when the
   * store cannot be reached or `run.resume` names no run (the run then does
   * not start).
   */
  openRun(run: CheckpointRun): Promise<CheckpointSession>;
}

/** What the engine tells a store about a run it opens. */
export interface CheckpointRun {
  /** The new run's id. */
  readonly runId: string;
  /** The graph's name: runs of one graph are found by it (`resume: 'latest'`). */
  readonly graphName: string;
  /** A hash of the graph's operations (id, type, version, params), channels and dependencies. */
  readonly definitionHash: string;
  /** The run's variables. */
  readonly variables: Readonly<Record<string, unknown>>;
  /** Resume from this run id, or `'latest'`: the newest run of the same graph name that did not succeed. */
  readonly resume?: string;
  /** With `resume: 'latest'`: take the newest run of the graph whatever its outcome (a re-run of some steps). */
  readonly anyOutcome?: boolean;
  /** The value codec's format (`v8/1`), stored next to outputs. */
  readonly codecFormat: string;
}

/** One run's records in a store, open while the run lasts. */
export interface CheckpointSession {
  /** The run this one resumes, when resuming. */
  readonly resumedFrom: string | undefined;
  /**
   * The first run of the resume chain this run continues: follow
   * `resumedFrom` back to a run that resumed none (undefined when not
   * resuming: the run is its own root). The engine makes
   * `context.idempotencyKey` from it, so that it stays the same across every
   * resume of a run. Optional for stores written before it: the engine then
   * takes `resumedFrom`, which is right for one resume only.
   */
  readonly rootRunId?: string;
  /** What the resumed run completed, by operation id (undefined when not resuming or not completed). */
  restorable(operationId: string): StoredOperation | undefined;
  /**
   * The newest result any earlier run stored under `cacheKey`, no older
   * than `maxAgeMs` when given: for operations with the `cache` setting.
   */
  findCached(cacheKey: string, maxAgeMs: number | undefined): Promise<StoredOperation | undefined>;
  /** An operation reached its final state. Stores may batch writes; `close` waits for them. */
  record(record: CheckpointRecord): void;
  /** An event of the run, for its journal. */
  event(event: EngineEvent): void;
  /**
   * Resolves once everything recorded so far is stored (`run.checkpoint()`
   * waits for it). Optional: without it, records count as stored once handed
   * over.
   */
  flush?(): Promise<void>;
  /** The run ended: write the rest, mark the run finished. */
  close(summary: CheckpointRunSummary): Promise<void>;
}

/** A completed operation as a store holds it. */
export interface StoredOperation {
  /** The run that computed it. */
  readonly runId: string;
  /** The key it was stored under. */
  readonly cacheKey: string;
  /** Content hash (`contentHash`) of each output port's encoded value. */
  readonly outputs: Readonly<Record<string, { readonly hash: string }>>;
  /** The encoded value of each output port. */
  load(): Promise<Readonly<Record<string, Uint8Array>>>;
}

/** An encoded output value and its content hash. */
export interface EncodedOutput {
  /** Content hash of `bytes` (`contentHash`: a sha256, or the bytes when tiny). */
  readonly hash: string;
  /** The value, encoded by the engine's codec. */
  readonly bytes: Uint8Array;
}

/** An operation's final state, as the engine records it. */
export interface CheckpointRecord {
  /** The operation's id in its graph. */
  readonly operationId: string;
  /** Its final state. */
  readonly status: 'succeeded' | 'failed' | 'skipped' | 'cancelled';
  /** Attempts it started (0: restored, or never started). */
  readonly attempts: number;
  /** Epoch ms of its first attempt's start, or null. */
  readonly startedAt: number | null;
  /** Epoch ms of its final state, or null if it never started. */
  readonly finishedAt: number | null;
  /** Undefined when an input could not be hashed (its value cannot be encoded). */
  readonly cacheKey?: string;
  /** Each output port's encoded value (succeeded operations whose outputs can be encoded). */
  readonly outputs?: Readonly<Record<string, EncodedOutput>>;
  /** The run whose result was restored instead of running, when it was. */
  readonly restoredFrom?: string;
  /** Its last error, when it failed. */
  readonly error?: ErrorSummary;
  /** Why it was skipped or cancelled, or why its outputs were not stored. */
  readonly reason?: string;
  /**
   * True for operations with the `cache` setting: the store must be able to
   * find this result from later runs by its cache key (`findCached`). Other
   * records need only serve a resume of this run.
   */
  readonly cacheable?: boolean;
}

/** How a run ended, for its record. */
export interface CheckpointRunSummary {
  /** How the run ended. */
  readonly status: RunStatus;
  /** Epoch ms. */
  readonly finishedAt: number;
  /** Operations by final state. */
  readonly counts: RunCounts;
  /** Why it stopped early (cancellation reason, or the operation that failed under `failFast`). */
  readonly reason?: string;
}
