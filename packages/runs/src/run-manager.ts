import { randomUUID } from 'node:crypto';
import { InvalidOptionsError, isPortflowError, type ErrorSummary, type ExecutionEngine, type ExecutionResult, type JsonValue } from '@portflow/core';
import {
  checkpointsIn,
  ExecutionNotFoundError,
  type ExecutionPage,
  type ExecutionQuery,
  type ExecutionRecord,
  type ExecutionStatus,
  type JournalEvent,
  type RecordedOperation,
  type RunStore,
} from '@portflow/store';
import { Subject, type Observable } from 'rxjs';
import { QueueFullError, RunManagerClosedError, UnknownWorkflowError, WorkflowBusyError } from './errors';
import type { ExecutionEvent } from './execution-events';
import { FairQueue } from './fair-queue';
import { Reservations, type Slot } from './reservations';
import type { ExecutionParams, PreparedRun, RunnableWorkflow } from './runnable-workflow';

/** Options of a {@link RunManager}. */
export interface RunManagerOptions {
  /** Runs the executions' graphs. The manager does not close it. */
  readonly engine: ExecutionEngine;
  /** Holds executions, their runs, step records and journals. The manager does not close it. */
  readonly store: RunStore;
  /** The workflows it can execute, by name. */
  readonly workflows: Readonly<Record<string, RunnableWorkflow>> | ReadonlyMap<string, RunnableWorkflow>;
  /** Executions running at once (default 4). */
  readonly maxConcurrentRuns?: number;
  /** Executions waiting to start, beyond those running; more are refused with a `QueueFullError` (default 100). */
  readonly maxQueuedRuns?: number;
  /** The `retryAfterMs` hint of a `QueueFullError` (default 1000). */
  readonly retryAfterMs?: number;
}

/** Options of `RunManager.submit`. */
export interface SubmitOptions {
  /** Submitting again with the same key (for the same workflow) returns the first execution's id and creates nothing. */
  readonly idempotencyKey?: string;
}

/** An execution with its current (or last) run's step records. */
export interface ExecutionDetails extends ExecutionRecord {
  /** The step records of its last run, by step id; restored steps have `restored: true`. */
  readonly steps: readonly RecordedOperation[];
}

/** The journal of one of an execution's runs. */
export interface RunJournal {
  /** The engine run. */
  readonly runId: string;
  /** Its events in order. */
  readonly events: readonly JournalEvent[];
}

/** What `start()` picked up from the store. */
export interface RecoveryReport {
  /** Executions that were running, resumed from their checkpoints (or started, when their run never reached the store). */
  readonly resumed: readonly string[];
  /** Executions that were queued, queued again in submission order. */
  readonly requeued: readonly string[];
  /** Unfinished executions of workflows this manager was not given: left as they are. */
  readonly skipped: readonly string[];
}

/** What `close()` did. */
export interface CloseReport {
  /** Executions it waited for (with `drain: true`). */
  readonly waitedFor: readonly string[];
  /** Executions it cancelled (with `drain: false`). */
  readonly cancelled: readonly string[];
}

interface Entry {
  readonly executionId: string;
  readonly workflow: string;
  readonly params: ExecutionParams;
  readonly idempotencyKey: string | undefined;
  state: 'queued' | 'running';
  prepared: PreparedRun | undefined;
  /** Earlier runs, oldest first: the last one the store holds is resumed. */
  readonly earlierRuns: readonly string[];
  readonly abort: AbortController;
}

/**
 * Runs many executions of workflows at once over one engine and one run
 * store. `submit` returns once the execution is committed to the store; at
 * most `maxConcurrentRuns` run at once, up to `maxQueuedRuns` more wait in
 * one queue per workflow served round-robin, and beyond that `submit`
 * throws a `QueueFullError` and creates nothing. A manager started on a
 * store that a dead process left executions in (`start()`) queues the
 * queued ones again and resumes the running ones from their checkpoints.
 * One manager per store at a time.
 *
 * @example
 * ```ts
 * const manager = new RunManager({ engine, store, workflows: { report }, maxConcurrentRuns: 2, maxQueuedRuns: 10 });
 * await manager.start(); // picks up what a previous process left
 * const id = await manager.submit('report', { region: 'EU' });
 * await manager.waitForAll();
 * console.log((await manager.get(id))?.status); // succeeded
 * await manager.close();
 * ```
 */
export class RunManager {
  readonly #engine: ExecutionEngine;
  readonly #store: RunStore;
  readonly #workflows: ReadonlyMap<string, RunnableWorkflow>;
  readonly #maxConcurrent: number;
  readonly #maxQueued: number;
  readonly #retryAfterMs: number;
  readonly #entries = new Map<string, Entry>();
  readonly #byKey = new Map<string, string>();
  readonly #queue = new FairQueue<Entry>();
  /** Recovered executions that were running: started before the queue is served. */
  readonly #resumeFirst: Entry[] = [];
  readonly #running = new Set<Entry>();
  readonly #runs = new Map<string, Promise<void>>();
  readonly #events = new Subject<ExecutionEvent>();
  /** Submissions between admission and their store commit: slots held to start at once, or to wait. */
  readonly #reserved = new Reservations();
  #idle: { promise: Promise<void>; resolve: () => void } | undefined;
  #starting: Promise<RecoveryReport> | undefined;
  #closing = false;

  constructor(options: RunManagerOptions) {
    const max = options.maxConcurrentRuns ?? 4;
    const queued = options.maxQueuedRuns ?? 100;
    const retry = options.retryAfterMs ?? 1000;
    const problems: string[] = [];
    if (!Number.isSafeInteger(max) || max < 1) problems.push(`maxConcurrentRuns must be a whole number, 1 or more (got ${String(max)})`);
    if (!Number.isSafeInteger(queued) || queued < 0) problems.push(`maxQueuedRuns must be a whole number, 0 or more (got ${String(queued)})`);
    if (!Number.isFinite(retry) || retry < 0) problems.push(`retryAfterMs must be 0 or more (got ${String(retry)})`);
    const workflows = options.workflows instanceof Map ? options.workflows : new Map(Object.entries(options.workflows));
    for (const [name, workflow] of workflows) {
      if (typeof workflow?.prepare !== 'function') problems.push(`workflows.${name} must have a prepare(params) function`);
    }
    if (problems.length > 0) throw new InvalidOptionsError('RunManager options', problems);
    this.#engine = options.engine;
    this.#store = options.store;
    this.#workflows = workflows as ReadonlyMap<string, RunnableWorkflow>;
    this.#maxConcurrent = max;
    this.#maxQueued = queued;
    this.#retryAfterMs = retry;
  }

  /** Executions' state changes and their engine runs' events, live. Completes on `close()`. */
  get events$(): Observable<ExecutionEvent> {
    return this.#events.asObservable();
  }

  /** Executions running now. */
  get running(): number {
    return this.#running.size;
  }

  /** Executions waiting to start now. */
  get queued(): number {
    return this.#queue.size + this.#resumeFirst.length;
  }

  /**
   * Picks up what a previous process left in the store: queued executions
   * are queued again in submission order (beyond `maxQueuedRuns` if need
   * be: they were accepted), running ones are resumed from their last
   * recorded run before the queue is served. Call once, before `submit`.
   */
  start(): Promise<RecoveryReport> {
    this.#starting ??= this.#recover();
    return this.#starting;
  }

  /**
   * Accepts an execution of `workflow` with `params` and returns its id once
   * it is committed to the store. Throws, creating nothing, for an unknown
   * workflow (`UnknownWorkflowError`), parameters the workflow refuses,
   * a graph that does not validate (`GraphValidationError`), a full queue
   * (`QueueFullError`) or a busy workflow that rejects
   * (`WorkflowBusyError`).
   */
  async submit(workflow: string, params: ExecutionParams = {}, options: SubmitOptions = {}): Promise<string> {
    if (this.#closing) throw new RunManagerClosedError('submit an execution');
    await this.#starting;
    const runnable = this.#workflows.get(workflow);
    if (runnable === undefined) throw new UnknownWorkflowError(workflow, [...this.#workflows.keys()]);
    const key = options.idempotencyKey === undefined ? undefined : `${workflow}\u0000${options.idempotencyKey}`;
    const known = key === undefined ? undefined : this.#byKey.get(key);
    if (known !== undefined) return known;
    const prepared = runnable.prepare(params);
    prepared.graph.validate(); // a graph that cannot run is refused now, not recorded as a failed execution
    const slot = this.#admit(workflow, runnable);
    let entry: Entry | undefined;
    try {
      const executionId = randomUUID();
      const { execution, created } = await this.#store.createExecution({
        executionId,
        workflow,
        params: params as Readonly<Record<string, JsonValue>>,
        submittedAt: Date.now(),
        ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
      });
      if (!created) return execution.executionId;
      entry = this.#entry(execution, prepared);
    } finally {
      this.#reserved.release(workflow, slot);
      if (entry === undefined) this.#dispatch(); // the held slot is free again
    }
    this.#entries.set(entry.executionId, entry);
    if (key !== undefined) this.#byKey.set(key, entry.executionId);
    this.#emitState(entry, 'queued');
    if (slot === 'run') this.#start(entry);
    else this.#queue.push(workflow, entry);
    this.#dispatch();
    return entry.executionId;
  }

  /** The execution with its last run's step records, or undefined. */
  async get(executionId: string): Promise<ExecutionDetails | undefined> {
    const execution = await this.#store.getExecution(executionId);
    if (execution === undefined) return undefined;
    const runId = await this.#lastStoredRun(execution.runIds);
    return { ...execution, steps: runId === undefined ? [] : await this.#store.operations(runId) };
  }

  /** Executions, newest first, filtered, a page at a time (see `RunStore.listExecutions`). */
  list(query?: ExecutionQuery): Promise<ExecutionPage> {
    return this.#store.listExecutions(query);
  }

  /** The journals of the execution's runs, oldest run first, from the store. */
  async journal(executionId: string): Promise<RunJournal[]> {
    const execution = await this.#store.getExecution(executionId);
    if (execution === undefined) throw new ExecutionNotFoundError(this.#store.location, executionId);
    return Promise.all(execution.runIds.map(async (runId) => ({ runId, events: await this.#store.events(runId) })));
  }

  /**
   * Cancels an execution: a queued one is recorded `cancelled` without
   * running; a running one is cancelled through the engine (its steps see
   * their signal abort) and ends `cancelled`. Resolves to false when it had
   * already finished; throws an `ExecutionNotFoundError` for an unknown id.
   */
  async cancel(executionId: string, reason = 'cancelled'): Promise<boolean> {
    const entry = this.#entries.get(executionId);
    if (entry === undefined) {
      if ((await this.#store.getExecution(executionId)) === undefined) throw new ExecutionNotFoundError(this.#store.location, executionId);
      return false;
    }
    if (entry.state === 'running') {
      entry.abort.abort(reason);
      return true;
    }
    const removed = this.#queue.remove(entry.workflow, entry) || removeFrom(this.#resumeFirst, entry);
    if (!removed) return false;
    try {
      await this.#store.updateExecution(executionId, { status: 'cancelled', finishedAt: Date.now(), reason });
      this.#emitState(entry, 'cancelled');
    } finally {
      this.#forget(entry);
      this.#dispatch();
    }
    return true;
  }

  /** Resolves when no execution is running or queued in this manager. */
  waitForAll(): Promise<void> {
    if (this.#busy() === false) return Promise.resolve();
    if (this.#idle === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#idle = { promise, resolve };
    }
    return this.#idle.promise;
  }

  /**
   * Stops accepting executions. With `drain: true` (the default) waits for
   * every running and queued one to finish; with `drain: false` cancels
   * them and waits for the running ones to stop. Says which it waited for
   * and which it cancelled. The engine and the store stay open.
   */
  async close(options: { readonly drain?: boolean } = {}): Promise<CloseReport> {
    this.#closing = true;
    await this.#starting?.catch(() => undefined);
    const ids = [...this.#entries.keys()];
    if (options.drain === false) {
      await Promise.all(ids.map((id) => this.cancel(id, 'run manager closed').catch(() => false)));
    }
    await this.waitForAll();
    await Promise.all(this.#runs.values());
    this.#events.complete();
    return options.drain === false ? { waitedFor: [], cancelled: ids } : { waitedFor: ids, cancelled: [] };
  }

  async #recover(): Promise<RecoveryReport> {
    const resumed: string[] = [];
    const requeued: string[] = [];
    const skipped: string[] = [];
    for (const execution of await this.#store.unfinishedExecutions()) {
      if (!this.#workflows.has(execution.workflow)) {
        skipped.push(execution.executionId);
        continue;
      }
      const entry = this.#entry(execution, undefined);
      this.#entries.set(entry.executionId, entry);
      if (execution.idempotencyKey !== undefined) this.#byKey.set(`${execution.workflow}\u0000${execution.idempotencyKey}`, entry.executionId);
      if (execution.status === 'running') {
        this.#resumeFirst.push(entry);
        resumed.push(entry.executionId);
      } else {
        this.#queue.push(entry.workflow, entry);
        requeued.push(entry.executionId);
      }
    }
    this.#dispatch();
    return { resumed, requeued, skipped };
  }

  #entry(execution: ExecutionRecord, prepared: PreparedRun | undefined): Entry {
    return {
      executionId: execution.executionId,
      workflow: execution.workflow,
      params: execution.params,
      idempotencyKey: execution.idempotencyKey,
      state: 'queued',
      prepared,
      earlierRuns: execution.runIds,
      abort: new AbortController(),
    };
  }

  /** Holds a slot for a submission (to start at once, or to wait), or throws when there is none. */
  #admit(workflow: string, runnable: RunnableWorkflow): Slot {
    const exclusive = runnable.allowConcurrentExecution === false;
    const active = exclusive ? this.#activeOf(workflow) : undefined;
    if (active !== undefined && runnable.whenBusy === 'reject') throw new WorkflowBusyError(workflow, active);
    const slot: Slot | undefined =
      active === undefined && this.#running.size + this.#reserved.toRun < this.#maxConcurrent ? 'run' : this.queued + this.#reserved.toQueue < this.#maxQueued ? 'queue' : undefined;
    if (slot === undefined) throw new QueueFullError(workflow, this.#running.size, this.queued, this.#retryAfterMs);
    this.#reserved.hold(workflow, slot);
    return slot;
  }

  /** An execution of `workflow` running, queued or being admitted (its id, or `pending`), or undefined. */
  #activeOf(workflow: string): string | undefined {
    for (const entry of this.#entries.values()) if (entry.workflow === workflow) return entry.executionId;
    return this.#reserved.holds(workflow) ? '(being submitted)' : undefined;
  }

  #canStart(workflow: string): boolean {
    if (this.#workflows.get(workflow)?.allowConcurrentExecution !== false) return true;
    for (const entry of this.#running) if (entry.workflow === workflow) return false;
    return true;
  }

  #dispatch(): void {
    while (this.#running.size + this.#reserved.toRun < this.#maxConcurrent) {
      const entry = this.#resumeFirst.shift() ?? this.#queue.next((workflow) => this.#canStart(workflow));
      if (entry === undefined) break;
      this.#start(entry);
    }
    this.#settleIdle();
  }

  #start(entry: Entry): void {
    entry.state = 'running';
    this.#running.add(entry);
    const run = this.#execute(entry).finally(() => {
      this.#running.delete(entry);
      this.#runs.delete(entry.executionId);
      this.#forget(entry);
      this.#dispatch();
    });
    this.#runs.set(entry.executionId, run);
  }

  /** Runs (or resumes) one execution to its end and records how it ended. Never rejects. */
  async #execute(entry: Entry): Promise<void> {
    try {
      const prepared = entry.prepared ?? this.#workflows.get(entry.workflow)!.prepare(entry.params);
      let resume = await this.#lastStoredRun(entry.earlierRuns);
      for (;;) {
        const runId = randomUUID();
        await this.#store.updateExecution(entry.executionId, { status: 'running', startedAt: Date.now(), runId });
        this.#emitState(entry, 'running', { runId });
        const handle = this.#engine.start(prepared.graph, {
          ...prepared.runOptions,
          runId,
          store: checkpointsIn(this.#store),
          signal: entry.abort.signal,
          ...(prepared.variables === undefined ? {} : { variables: prepared.variables }),
          ...(resume === undefined ? {} : { resume }),
        });
        const subscription = handle.events$.subscribe((event) => this.#events.next({ type: 'ExecutionEngineEvent', executionId: entry.executionId, workflow: entry.workflow, event }));
        let result: ExecutionResult;
        try {
          result = await handle.result;
        } catch (error) {
          // The run to resume never reached the store (the process died before the engine recorded it): nothing of it ran, start afresh.
          if (resume !== undefined && isPortflowError(error, 'PORTFLOW_UNKNOWN_RUN')) {
            resume = undefined;
            continue;
          }
          throw error;
        } finally {
          subscription.unsubscribe();
        }
        const error = result.status === 'failed' ? summaryOf(result) : undefined;
        await this.#store.updateExecution(entry.executionId, {
          status: result.status,
          finishedAt: Date.now(),
          ...(error === undefined ? {} : { error }),
          ...(result.reason === undefined ? {} : { reason: result.reason }),
        });
        this.#emitState(entry, result.status, { runId, ...(error === undefined ? {} : { error }) });
        return;
      }
    } catch (thrown) {
      const error = errorSummary(thrown);
      try {
        await this.#store.updateExecution(entry.executionId, { status: 'failed', finishedAt: Date.now(), error });
        this.#emitState(entry, 'failed', { error });
      } catch {
        // The store is gone: the execution stays unfinished there, and a restarted manager resumes it.
      }
    }
  }

  async #lastStoredRun(runIds: readonly string[]): Promise<string | undefined> {
    for (let i = runIds.length - 1; i >= 0; i--) if ((await this.#store.getRun(runIds[i]!)) !== undefined) return runIds[i];
    return undefined;
  }

  #forget(entry: Entry): void {
    this.#entries.delete(entry.executionId);
    if (entry.idempotencyKey !== undefined) this.#byKey.delete(`${entry.workflow}\u0000${entry.idempotencyKey}`);
  }

  #busy(): boolean {
    return this.#entries.size > 0 || this.#reserved.size > 0;
  }

  #settleIdle(): void {
    if (this.#idle !== undefined && !this.#busy()) {
      const { resolve } = this.#idle;
      this.#idle = undefined;
      resolve();
    }
  }

  #emitState(entry: Entry, status: ExecutionStatus, extra: { runId?: string; error?: ErrorSummary } = {}): void {
    this.#events.next({ type: 'ExecutionStateChanged', executionId: entry.executionId, workflow: entry.workflow, status, timestamp: Date.now(), ...extra });
  }
}

function removeFrom<T>(items: T[], item: T): boolean {
  const index = items.indexOf(item);
  if (index >= 0) items.splice(index, 1);
  return index >= 0;
}

function summaryOf(result: ExecutionResult): ErrorSummary {
  const first = result.errors[0];
  if (first === undefined) return { name: 'RunFailed', message: result.getErrorMessage() ?? 'the run failed' };
  return { name: first.name, message: `step '${first.operationId}': ${first.message}`, ...(first.code === undefined ? {} : { code: first.code }) };
}

function errorSummary(error: unknown): ErrorSummary {
  if (error instanceof Error) return { name: error.name, message: error.message, ...(isPortflowError(error) ? { code: error.code } : {}) };
  return { name: 'Error', message: String(error) };
}
