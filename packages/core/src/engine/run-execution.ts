import { EMPTY, Subject, type Observable } from 'rxjs';
import { OperationTimeoutError, OutputUnavailableError, RunCancelledError } from '../errors/errors';
import { invokeAttempt } from './attempt';
import { engineClock } from './coarse-clock';
import { RunCheckpoints } from './run-checkpoints';
import type { CheckpointSession, StoredOperation } from '../durability/checkpoint-store';
import type { ValueCodec } from '../values/value-codec';
import type { CheckpointMode } from './engine-options';
import { OutputFutures } from './output-futures';
import { EMPTY_INPUTS, markRead, outputProblem, readInputs } from './port-io';
import { deepFreeze, OutputTable } from './output-table';
import type { DataChannel } from '../graph/data-channel';
import { describeValue } from '../model/ports/port-type';
import { summarizeError, type EngineEvent, type RunCounts, type RunProgress } from '../events/events';
import type { ExecutionResult, OperationStatus, RunStatus } from '../results/execution-result';
import { buildExecutionResult } from '../results/run-result';
import type { Logger } from '../logging/logger';
import type { OperationExecutor, RunEndedSummary } from './operation-executor';
import type { CompiledPort } from '../model/ports/port-descriptor';
import { anyChannelObserved } from '../graph/data-channel';
import { ReadyQueue } from './ready-queue';
import { retryDelay, type RetryPolicy } from '../model/retry-policy';
import { RunContext, type AttemptHost } from './run-context';
import { RunEventStream } from '../events/run-event-stream';
import type { RunPlan } from './run-plan';
import { BLOCKED, IDLE, LAUNCHED, type LaunchOutcome, type SlotPool, type SlotUser } from './slot-pool';

/** What to do when an operation fails for good. */
export type FailurePolicy = 'failFast' | 'continue';

/** Everything a run needs besides its plan, resolved by the engine. @internal */
export interface RunConfig {
  readonly runId: string;
  readonly variables: Readonly<Record<string, unknown>>;
  /** This run's own cap; the engine-wide caps live in `pool`. */
  readonly maxParallel: number;
  readonly pool: SlotPool;
  readonly failurePolicy: FailurePolicy;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number | undefined;
  readonly logger: Logger;
  readonly random: () => number;
  /** The executor of each operation, by position; undefined when every operation runs inline. */
  readonly executors: readonly (OperationExecutor | undefined)[] | undefined;
  readonly engineEvents: Subject<EngineEvent>;
  /** Values of the graph's inputs, by name (checked by the engine). */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Deep-freeze plain objects and arrays crossing ports. */
  readonly freezeValues: boolean;
  /** Keep every output until the run ends instead of releasing read ones. */
  readonly retainOutputs: boolean;
}

/** One value leaving an output port during a run, as `run.outputs$` shows it. */
export interface PortValue {
  readonly runId: string;
  readonly operationId: string;
  readonly port: string;
  readonly value: unknown;
}


// Operation states, kept in a Uint8Array.
const PENDING = 0;
const QUEUED = 1;
const RUNNING = 2;
const BACKOFF = 3;
const SUCCEEDED = 4;
const FAILED = 5;
const SKIPPED = 6;
const CANCELLED = 7;
const STATUS_NAMES: readonly OperationStatus[] = ['pending', 'pending', 'running', 'pending', 'succeeded', 'failed', 'skipped', 'cancelled'];

/** Node's timers hold 32-bit delays; longer ones would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;


/**
 * One run of a plan: per-operation state in typed arrays, two ready heaps
 * (CPU-bound and I/O-bound) ordered by topological index, counters. The
 * engine's {@link SlotPool} decides when it may start an operation. RxJS
 * only at the edge, and only when someone listens.
 * @internal
 */
export class RunExecution implements SlotUser, AttemptHost {
  readonly runId: string;
  /** The first run of this run's resume chain: `context.idempotencyKey` is made from it. */
  rootRunId: string;
  readonly ids: readonly string[];
  readonly variables: Readonly<Record<string, unknown>>;
  readonly logger: Logger;
  readonly result: Promise<ExecutionResult>;
  inSlotQueue = false;

  private readonly stream: RunEventStream;
  private readonly pool: SlotPool;
  private resolveResult!: (result: ExecutionResult) => void;
  private rejectResult!: (error: unknown) => void;
  /** Checkpointing, when the run has a store. */
  private checkpoints: RunCheckpoints | undefined;
  private readonly n: number;
  private readonly status: Uint8Array;
  private readonly attempts: Uint32Array;
  private readonly remaining: Int32Array;
  private readonly startedAt: Float64Array;
  private readonly finishedAt: Float64Array;
  private readonly table: OutputTable;
  /** Inputs gathered by an operation's first attempt, reused by its retries (kept only when it may retry). */
  private readonly gathered = new Map<number, Readonly<Record<string, unknown>>>();
  private readonly futures = new OutputFutures();
  private outputSubject: Subject<PortValue> | undefined;
  private boundChannels: DataChannel[] | undefined;
  private readonly contexts: (RunContext | undefined)[];
  /** Timeout and backoff timers, by operation (few operations have one). */
  private readonly timers = new Map<number, ReturnType<typeof setTimeout>>();
  private readonly reasons = new Map<number, string>();
  private readonly upstream = new Map<number, string>();
  private readonly lastErrors = new Map<number, { error: unknown; attempt: number }>();
  private readonly cpuReady: ReadyQueue;
  private readonly ioReady: ReadyQueue;
  private readonly isCpu: Uint8Array;
  private readonly executors: readonly (OperationExecutor | undefined)[] | undefined;

  private running = 0;
  private backoffs = 0;
  private succeeded = 0;
  private failed = 0;
  private skipped = 0;
  private cancelled = 0;
  private stopping: 'failed' | 'cancelled' | undefined;
  private stopReason = '';
  private finished = false;
  private began = false;
  private runStartedAt = 0;

  constructor(
    readonly plan: RunPlan,
    readonly config: RunConfig,
  ) {
    this.runId = this.rootRunId = config.runId;
    this.ids = plan.ids;
    this.variables = config.variables;
    this.logger = config.logger;
    this.pool = config.pool;
    this.stream = new RunEventStream(config.engineEvents, engineClock);
    const n = (this.n = plan.operations.length);
    this.status = new Uint8Array(n);
    this.attempts = new Uint32Array(n);
    this.remaining = plan.inDegree.slice();
    this.startedAt = new Float64Array(n).fill(NaN);
    this.finishedAt = new Float64Array(n).fill(NaN);
    this.table = new OutputTable(plan, config.retainOutputs);
    this.contexts = new Array(n).fill(undefined);
    this.isCpu = plan.cpuBound;
    this.executors = config.executors;
    const cpu = plan.cpuCount;
    this.cpuReady = new ReadyQueue(cpu);
    this.ioReady = new ReadyQueue(n - cpu);
    this.result = new Promise((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
  }

  /** The run's events; completes after `RunCompleted`. */
  get events$() {
    return this.stream.events$;
  }

  /** Every value leaving an output port in this run; completes with the run. */
  get outputs$(): Observable<PortValue> {
    if (this.finished) return EMPTY;
    return (this.outputSubject ??= new Subject<PortValue>()).asObservable();
  }

  /** The graph input `name`'s value, for GraphInput operations. */
  graphInput(name: string): unknown {
    return this.config.inputs[name];
  }

  /**
   * A promise of output `port` of operation `index`: resolves as soon as the
   * operation succeeds, rejects if it fails, is skipped or cancelled. Keeps
   * that operation's outputs until the run ends.
   */
  output(index: number, port: string): Promise<unknown> {
    const id = this.ids[index]!;
    const state = this.status[index];
    if (state === SUCCEEDED) {
      if (!this.table.retain(index)) return Promise.reject(OutputUnavailableError.released(id, port));
      return Promise.resolve((this.table.values[index] as Record<string, unknown> | undefined)?.[port]);
    }
    if (state === FAILED || state === SKIPPED || state === CANCELLED) return Promise.reject(this.notProduced(index, port));
    this.table.retain(index);
    return this.futures.wait(index, port);
  }

  private notProduced(index: number, port: string): OutputUnavailableError {
    const id = this.ids[index]!;
    const state = STATUS_NAMES[this.status[index]!];
    const why = this.reasons.get(index) ?? (this.lastErrors.has(index) ? describeError(this.lastErrors.get(index)!.error) : undefined);
    return new OutputUnavailableError('PORTFLOW_OUTPUT_UNAVAILABLE', id, port, `Operation '${id}' ${state} and produced no output '${port}'${why === undefined ? '' : `: ${why}`}`, {
      cause: this.lastErrors.get(index)?.error,
    });
  }

  /** Operation `i` reached a final state: its kept inputs go, whoever waits for its outputs hears. */
  private settled(i: number): void {
    if (this.gathered.size > 0) this.gathered.delete(i);
    if (!this.futures.empty) this.settleWaiters(i);
  }

  /** Resolves or rejects whoever waits for operation `i`'s outputs, now that it has settled. */
  private settleWaiters(i: number): void {
    const record = this.table.values[i] as Record<string, unknown> | undefined;
    this.futures.settle(i, record, this.status[i] === SUCCEEDED ? undefined : (port) => this.notProduced(i, port));
  }

  /** Starts scheduling. */
  begin(): void {
    if (this.began) return;
    engineClock.stale();
    this.began = true;
    this.runStartedAt = engineClock.now();
    if (anyChannelObserved()) {
      for (const channel of this.plan.channels) if (channel.observed && channel.bind(this.runId)) (this.boundChannels ??= []).push(channel);
    }
    if (this.stream.observed) {
      this.stream.emit({ type: 'RunStarted', runId: this.runId, seq: 0, timestamp: 0, graphName: this.plan.graphName, operationCount: this.n });
    }
    if (this.stopping !== undefined) {
      this.applyStop();
      return;
    }
    for (let i = 0; i < this.n; i++) if (this.remaining[i] === 0) this.enqueue(i);
    this.pool.dispatch();
    this.finishIfDone();
  }

  /**
   * Records this run in a checkpoint store's session (before `begin`):
   * results the session can restore are restored instead of run, except
   * the operations at `rerun` and everything downstream of them.
   */
  attachCheckpoints(session: CheckpointSession, codec: ValueCodec, rerun: readonly number[], mode: CheckpointMode | undefined): void {
    this.rootRunId = session.rootRunId ?? session.resumedFrom ?? this.runId;
    const checkpoints = (this.checkpoints = new RunCheckpoints(this.plan, session, codec, this.logger, rerun, mode));
    this.stream.events$.subscribe((event) => checkpoints.event(event));
  }

  /** Hands what is recorded to the store and waits for it (`run.checkpoint()`); nothing to do once finished. */
  checkpoint(): Promise<void> {
    if (this.finished || this.checkpoints === undefined) return Promise.resolve();
    return this.checkpoints.checkpoint();
  }

  /** The run cannot begin (its store failed to open): the result rejects with `error`, nothing runs. */
  failToOpen(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.pool.leave(this);
    this.stream.complete();
    this.outputSubject?.complete();
    this.rejectResult(error);
  }

  /** Stops the run: running operations see their signal abort, nothing new starts. */
  cancel(reason: string): void {
    if (this.finished) return;
    engineClock.stale();
    this.stop('cancelled', reason);
  }

  /** Live counts for progress reporting. */
  progress(): RunProgress {
    const counts = this.counts();
    return { runId: this.runId, ...counts, done: counts.succeeded + counts.failed + counts.skipped + counts.cancelled, running: this.running };
  }

  /** Used by RunContext.reportProgress. */
  emitProgress(index: number, attempt: number, fraction: number, message: string | undefined, data?: Readonly<Record<string, unknown>>): void {
    if (!this.isCurrent(index, attempt) || !this.stream.observed) return;
    engineClock.stale(); // reported from the operation's code: time has passed
    const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
    this.stream.emit({
      type: 'OperationProgress',
      runId: this.runId,
      seq: 0,
      timestamp: 0,
      operationId: this.ids[index]!,
      attempt,
      fraction: clamped,
      message: message === undefined ? undefined : String(message),
      ...(data === undefined ? {} : { data }),
    });
  }

  // ---- scheduling -------------------------------------------------------

  private isCurrent(index: number, attempt: number): boolean {
    return this.status[index] === RUNNING && this.attempts[index] === attempt;
  }

  private enqueue(i: number): void {
    this.status[i] = QUEUED;
    if (this.isCpu[i] === 1) this.cpuReady.push(i);
    else this.ioReady.push(i);
    this.pool.join(this);
  }

  /** Called by the pool: starts the ready operation earliest in topological order that fits. */
  launchNext(pool: SlotPool): LaunchOutcome {
    if (this.stopping !== undefined || this.running >= this.config.maxParallel) return IDLE;
    const cpuTop = pool.cpuRoom() ? this.cpuReady.peek() : -1;
    const ioTop = pool.ioRoom() ? this.ioReady.peek() : -1;
    let i: number;
    if (cpuTop >= 0 && (ioTop < 0 || cpuTop < ioTop)) i = this.cpuReady.pop();
    else if (ioTop >= 0) i = this.ioReady.pop();
    else return this.cpuReady.size + this.ioReady.size > 0 ? BLOCKED : IDLE;
    this.launch(i);
    if (this.stopping === undefined && this.cpuReady.size + this.ioReady.size > 0) pool.join(this);
    return LAUNCHED;
  }

  private launch(i: number): void {
    const cpu = this.isCpu[i] === 1;
    this.pool.acquire(cpu);
    this.status[i] = RUNNING;
    this.running++;
    const attempt = ++this.attempts[i]!;
    const now = engineClock.now();
    if (attempt === 1) this.startedAt[i] = now;
    const context = new RunContext(this, i, attempt);
    this.contexts[i] = context;
    if (this.checkpoints !== undefined && attempt === 1 && this.restoreOrLookUp(i, attempt, context)) return;
    this.startAttempt(i, attempt, now, context);
  }

  /** Runs an attempt: its event, its timer, its inputs, its code. */
  private startAttempt(i: number, attempt: number, now: number, context: RunContext): void {
    if (this.stream.observed) {
      this.stream.emit({ type: 'OperationStarted', runId: this.runId, seq: 0, timestamp: now, operationId: this.ids[i]!, attempt });
      if (this.stopping !== undefined) {
        // A subscriber stopped the run on that event: end the attempt unrun.
        this.onFailure(i, attempt, new RunCancelledError(this.stopReason), false);
        return;
      }
    }
    const op = this.plan.operations[i]!;
    const own = this.plan.timeouts[i]!;
    const timeoutMs = own === own ? own : this.config.timeoutMs;
    if (timeoutMs !== undefined && timeoutMs <= MAX_TIMER_MS) {
      this.timers.set(i, setTimeout(() => this.onTimeout(i, attempt, timeoutMs), timeoutMs));
    }
    let inputs = attempt === 1 ? undefined : this.gathered.get(i);
    if (inputs === undefined) try {
      inputs = this.gatherInputs(i);
    } catch (error) {
      // The inputs are the same on every attempt: a retry cannot help.
      this.onFailure(i, attempt, error, false);
      return;
    }
    invokeAttempt(
      op,
      this.executors === undefined ? undefined : this.executors[i],
      inputs,
      context,
      (value) => this.onSuccess(i, attempt, value),
      (error: unknown) => this.onFailure(i, attempt, error, true),
    );
  }

  /**
   * With a store: restores operation `i` from the resumed run when its
   * cache key matches, or from any earlier run when it has the `cache`
   * setting. Returns false when there is nothing to look up (run it now).
   */
  private restoreOrLookUp(i: number, attempt: number, context: RunContext): boolean {
    const checkpoints = this.checkpoints!;
    const stored = checkpoints.restorable(i);
    if (stored !== undefined) {
      this.restore(i, attempt, context, stored);
      return true;
    }
    const cache = this.plan.operations[i]!.settings.cache;
    if (cache === undefined || cache === false) return false;
    checkpoints.cached(i, cache === true ? undefined : cache.ttlMs).then(
      (hit) => {
        if (!this.isCurrent(i, attempt)) return;
        if (hit !== undefined) this.restore(i, attempt, context, hit);
        else this.runAfterLookUp(i, attempt, context);
      },
      (error: unknown) => {
        if (!this.isCurrent(i, attempt)) return;
        this.logger.warn(`Operation '${this.ids[i]}': the cache lookup failed (${describeError(error)}); running it`, { operationId: this.ids[i] });
        this.runAfterLookUp(i, attempt, context);
      },
    );
    return true;
  }

  /** Runs operation `i` after an asynchronous restore or lookup came to nothing (unless the run stopped meanwhile). */
  private runAfterLookUp(i: number, attempt: number, context: RunContext): void {
    engineClock.stale();
    if (this.stopping === undefined) {
      this.startAttempt(i, attempt, engineClock.now(), context);
      return;
    }
    // The run stopped while the store answered: the operation never started.
    this.endAttempt(i);
    this.attempts[i] = 0;
    this.settle(i, CANCELLED, this.stopReason, false);
    this.pool.dispatch();
    this.finishIfDone();
  }

  /** Restores operation `i` from `stored`; runs it instead when the stored values cannot be read. */
  private restore(i: number, attempt: number, context: RunContext, stored: StoredOperation): void {
    const checkpoints = this.checkpoints!;
    stored.load().then(
      (encoded) => {
        if (!this.isCurrent(i, attempt)) return;
        let record: Record<string, unknown>;
        try {
          record = checkpoints.decode(i, stored, encoded);
        } catch (error) {
          this.restoreFailed(i, attempt, context, error);
          return;
        }
        this.onRestored(i, attempt, record, stored, encoded);
      },
      (error: unknown) => this.restoreFailed(i, attempt, context, error),
    );
  }

  private restoreFailed(i: number, attempt: number, context: RunContext, error: unknown): void {
    if (!this.isCurrent(i, attempt)) return;
    this.logger.warn(`Operation '${this.ids[i]}': its stored result cannot be restored (${describeError(error)}); running it again`, { operationId: this.ids[i] });
    this.runAfterLookUp(i, attempt, context);
  }

  private gatherInputs(i: number): Readonly<Record<string, unknown>> {
    const plan = this.plan;
    if (plan.inputPorts[i] === null) return EMPTY_INPUTS;
    const inputs = readInputs(plan, i, this.table.values);
    // Every channel into i has been read: producers may drop what only i needed.
    markRead(plan, i, this.table);
    if (this.attempts[i] === 1 && this.retryPolicy(i).maxAttempts > 1) this.gathered.set(i, inputs);
    return inputs;
  }

  private onSuccess(i: number, attempt: number, value: unknown): void {
    engineClock.stale();
    if (!this.isCurrent(i, attempt)) return;
    const ports = this.plan.outputPorts[i];
    if (ports !== null && ports !== undefined) {
      const problem = outputProblem(this.ids[i]!, ports, value);
      if (problem !== undefined) {
        this.onFailure(i, attempt, problem, true);
        return;
      }
      if (this.config.freezeValues) deepFreeze(value);
      this.table.values[i] = value;
    }
    this.endAttempt(i);
    this.status[i] = SUCCEEDED;
    this.finishedAt[i] = engineClock.now();
    this.succeeded++;
    if (ports !== null && ports !== undefined && (this.outputSubject !== undefined || anyChannelObserved())) this.showOutputs(i, ports, value as Record<string, unknown>);
    if (this.checkpoints !== undefined) this.checkpoints.succeeded(i, value as Record<string, unknown> | undefined, attempt, this.startedAt[i]!, this.finishedAt[i]!);
    this.settled(i);
    if (this.stream.observed) this.emitCompleted(i, attempt, ports ? (value as Record<string, unknown>) : undefined);
    this.releaseSuccessors(i);
  }

  /** Operation `i` was restored from a stored result instead of running. */
  private onRestored(i: number, attempt: number, record: Record<string, unknown>, stored: StoredOperation, encoded: Readonly<Record<string, Uint8Array>>): void {
    engineClock.stale();
    if (!this.isCurrent(i, attempt)) return;
    const ports = this.plan.outputPorts[i];
    if (ports !== null && ports !== undefined) {
      if (this.config.freezeValues) deepFreeze(record);
      this.table.values[i] = record;
    }
    this.endAttempt(i);
    this.status[i] = SUCCEEDED;
    this.attempts[i] = 0;
    const now = engineClock.now();
    this.finishedAt[i] = now;
    this.succeeded++;
    this.checkpoints!.restored(i, stored, encoded, this.startedAt[i]!, now);
    if (ports !== null && ports !== undefined && (this.outputSubject !== undefined || anyChannelObserved())) this.showOutputs(i, ports, record);
    this.settled(i);
    if (this.stream.observed) {
      this.stream.emit({ type: 'OperationRestored', runId: this.runId, seq: 0, timestamp: now, operationId: this.ids[i]!, cacheKey: stored.cacheKey, fromRunId: stored.runId });
    }
    this.releaseSuccessors(i);
  }

  /** Operation `i` succeeded: its successors may be ready; start what can start. */
  private releaseSuccessors(i: number): void {
    const { offsets, targets } = this.plan.successors;
    const remaining = this.remaining;
    for (let k = offsets[i]!, end = offsets[i + 1]!; k < end; k++) {
      const w = targets[k]!;
      if (--remaining[w]! === 0 && this.status[w] === PENDING) this.enqueue(w);
    }
    this.pool.dispatch();
    this.finishIfDone();
  }

  /** Shows a success's values to channel and run observers, if there are any. */
  private showOutputs(i: number, ports: readonly CompiledPort[], record: Record<string, unknown>): void {
    if (anyChannelObserved()) {
      for (const channel of this.plan.channelsFrom(i)) if (channel.observed) channel.emit(this.runId, record[channel.sourcePort]);
    }
    const subject = this.outputSubject;
    if (subject !== undefined && subject.observed) {
      const operationId = this.ids[i]!;
      for (const port of ports) subject.next({ runId: this.runId, operationId, port: port.name, value: record[port.name] });
    }
  }

  private onFailure(i: number, attempt: number, error: unknown, retryable: boolean): void {
    engineClock.stale();
    if (!this.isCurrent(i, attempt)) return;
    const abortReason = this.contexts[i]?.abortReason;
    this.endAttempt(i);
    if (this.stopping !== undefined && isStopError(error, abortReason)) {
      // The run is stopping and this attempt ended because of it.
      this.settle(i, CANCELLED, this.stopReason, true);
    } else if (this.stopping !== undefined) {
      // It failed on its own while the run was stopping: keep its real error.
      this.recordFailure(i, attempt, error, false);
    } else {
      this.recordFailure(i, attempt, error, retryable);
    }
    this.pool.dispatch();
    this.finishIfDone();
  }

  /**
   * Puts a failed attempt's operation into its next state (waiting to retry,
   * or failed) before telling subscribers, so that a subscriber cancelling
   * the run from the event finds a consistent state.
   */
  private recordFailure(i: number, attempt: number, error: unknown, retryable: boolean): void {
    const policy = this.retryPolicy(i);
    const willRetry = retryable && attempt < policy.maxAttempts && shouldRetry(policy, error, attempt);
    this.lastErrors.set(i, { error, attempt });
    const id = this.ids[i]!;
    const now = engineClock.now();
    let delayMs = 0;
    if (willRetry) {
      delayMs = Math.min(retryDelay(policy, attempt, this.config.random), MAX_TIMER_MS);
      this.status[i] = BACKOFF;
      this.backoffs++;
      this.timers.set(i, setTimeout(() => this.onBackoffEnd(i), delayMs));
    } else {
      this.status[i] = FAILED;
      this.finishedAt[i] = now;
      this.failed++;
      this.settled(i);
      if (this.checkpoints !== undefined) this.checkpoints.ended(i, 'failed', attempt, this.startedAt[i]!, now, summarizeError(error));
    }
    if (this.stream.observed) {
      const summary = summarizeError(error);
      this.stream.emit({ type: 'OperationFailed', runId: this.runId, seq: 0, timestamp: now, operationId: id, attempt, error: summary, willRetry });
      if (this.status[i] === BACKOFF) {
        this.stream.emit({ type: 'OperationRetrying', runId: this.runId, seq: 0, timestamp: 0, operationId: id, attempt: attempt + 1, delayMs, error: summary });
      }
    }
    if (!willRetry && this.stopping === undefined) {
      if (this.config.failurePolicy === 'failFast') this.stop('failed', `operation '${id}' failed`);
      else this.skipDownstream(i);
    }
  }

  private retryPolicy(i: number): RetryPolicy {
    return this.plan.operations[i]!.settings.retry ?? this.config.retry;
  }

  private onBackoffEnd(i: number): void {
    engineClock.stale();
    this.timers.delete(i);
    this.backoffs--;
    this.enqueue(i);
    this.pool.dispatch();
    this.finishIfDone();
  }

  private onTimeout(i: number, attempt: number, timeoutMs: number): void {
    engineClock.stale();
    this.timers.delete(i);
    if (!this.isCurrent(i, attempt)) return;
    const error = new OperationTimeoutError(this.ids[i]!, timeoutMs, attempt);
    this.contexts[i]?.abort(error);
    this.onFailure(i, attempt, error, true);
  }

  /** Frees an attempt's slot, timer and context. */
  private endAttempt(i: number): void {
    if (this.timers.size > 0) {
      const timer = this.timers.get(i);
      if (timer !== undefined) {
        clearTimeout(timer);
        this.timers.delete(i);
      }
    }
    this.contexts[i] = undefined;
    this.status[i] = PENDING;
    this.running--;
    this.pool.release(this.isCpu[i] === 1);
    // At its own limit the run left the pool's queue; it may start again now.
    if (this.cpuReady.size + this.ioReady.size > 0) this.pool.join(this);
  }

  /** `continue` policy: everything downstream of a failed operation is skipped. */
  private skipDownstream(failedIndex: number): void {
    const { offsets, targets } = this.plan.successors;
    const cause = this.ids[failedIndex]!;
    const reason = `upstream operation '${cause}' failed`;
    const stack = [failedIndex];
    while (stack.length > 0) {
      const v = stack.pop()!;
      for (let k = offsets[v]!, end = offsets[v + 1]!; k < end; k++) {
        const w = targets[k]!;
        if (this.status[w] === PENDING && this.attempts[w] === 0) {
          this.upstream.set(w, cause);
          this.settle(w, SKIPPED, reason, false);
          stack.push(w);
        }
      }
    }
  }

  private stop(kind: 'failed' | 'cancelled', reason: string): void {
    if (this.stopping !== undefined) return;
    this.stopping = kind;
    this.stopReason = reason;
    // Before begin(), begin() applies the stop, after RunStarted.
    if (this.began) this.applyStop();
  }

  private applyStop(): void {
    const kind = this.stopping!;
    const reason = this.stopReason;
    this.cpuReady.clear();
    this.ioReady.clear();
    const abortReason = new RunCancelledError(reason);
    for (let i = 0; i < this.n; i++) {
      const s = this.status[i];
      if (s === RUNNING) {
        this.contexts[i]?.abort(abortReason);
      } else if (s === BACKOFF) {
        clearTimeout(this.timers.get(i));
        this.timers.delete(i);
        this.backoffs--;
        this.settle(i, CANCELLED, reason, false);
      } else if (s === PENDING || s === QUEUED) {
        // failFast skips what never started; what already tried is cancelled.
        this.settle(i, kind === 'failed' && this.attempts[i] === 0 ? SKIPPED : CANCELLED, reason, false);
      }
    }
    this.finishIfDone();
  }

  /** Puts an operation that is not running into a final state, with its event. */
  private settle(i: number, state: typeof SKIPPED | typeof CANCELLED, reason: string, interrupted: boolean): void {
    this.status[i] = state;
    this.reasons.set(i, reason);
    const now = engineClock.now();
    if (this.attempts[i] !== 0) this.finishedAt[i] = now;
    if (state === SKIPPED) this.skipped++;
    else this.cancelled++;
    this.settled(i);
    if (this.checkpoints !== undefined) this.checkpoints.ended(i, state === SKIPPED ? 'skipped' : 'cancelled', this.attempts[i]!, this.startedAt[i]!, now, undefined, reason);
    if (this.stream.observed) {
      const operationId = this.ids[i]!;
      if (state === SKIPPED) {
        const cause = this.upstream.get(i);
        this.stream.emit({
          type: 'OperationSkipped',
          runId: this.runId,
          seq: 0,
          timestamp: now,
          operationId,
          reason,
          ...(cause === undefined ? {} : { upstreamOperationId: cause }),
        });
      } else {
        this.stream.emit({ type: 'OperationCancelled', runId: this.runId, seq: 0, timestamp: now, operationId, reason, attempt: this.attempts[i]!, interrupted });
      }
    }
  }

  private finishIfDone(): void {
    if (this.finished || !this.began || this.running > 0 || this.backoffs > 0) return;
    if (this.stopping === undefined && this.cpuReady.size + this.ioReady.size > 0) return;
    this.finished = true;
    this.pool.leave(this);
    const status: RunStatus = this.stopping === 'cancelled' ? 'cancelled' : this.failed > 0 ? 'failed' : 'succeeded';
    const finishedAt = engineClock.now();
    const counts = this.counts();
    const reason = this.stopping === undefined ? undefined : this.stopReason;
    if (this.stream.observed) {
      this.stream.emit({
        type: 'RunCompleted',
        runId: this.runId,
        seq: 0,
        timestamp: 0,
        status,
        durationMs: finishedAt - this.runStartedAt,
        counts,
        ...(reason === undefined ? {} : { reason }),
      });
    }
    this.stream.complete();
    if (this.boundChannels !== undefined) for (const channel of this.boundChannels) channel.end(this.runId);
    this.outputSubject?.complete();
    const result = this.buildResult(status, finishedAt, counts, reason);
    const summary = { status, finishedAt, counts, ...(reason === undefined ? {} : { reason }) };
    // The store records the end first: executors then remove what they kept for a resume.
    const recorded =
      this.checkpoints === undefined
        ? undefined
        : this.checkpoints.close(summary).catch((error: unknown) => {
            // The run itself is over; its record is not complete. Say so, keep the result.
            this.logger.error(`Run '${this.runId}': its checkpoint store failed to record the end of the run (${describeError(error)}); a resume may run again what this run completed`);
          });
    const executors = this.endingExecutors();
    if (executors.length === 0) {
      if (recorded === undefined) this.resolveResult(result);
      else void recorded.then(() => this.resolveResult(result));
      return;
    }
    void (recorded ?? Promise.resolve()).then(() => this.tellExecutors(executors, { rootRunId: this.rootRunId, ...summary })).then(() => this.resolveResult(result));
  }

  /** The distinct executors of this run's operations that want to hear that a run ended. */
  private endingExecutors(): OperationExecutor[] {
    if (this.executors === undefined) return [];
    const distinct = new Set<OperationExecutor>();
    for (const executor of this.executors) if (executor?.runEnded !== undefined) distinct.add(executor);
    return [...distinct];
  }

  /** Calls each executor's `runEnded` once; failures are logged, never thrown. */
  private async tellExecutors(executors: readonly OperationExecutor[], summary: RunEndedSummary): Promise<void> {
    await Promise.all(
      executors.map(async (executor) => {
        try {
          await executor.runEnded!(this.runId, summary);
        } catch (error) {
          this.logger.error(`Run '${this.runId}': an executor failed to clean up after the run (${describeError(error)})`);
        }
      }),
    );
  }

  private counts(): RunCounts {
    return { total: this.n, succeeded: this.succeeded, failed: this.failed, skipped: this.skipped, cancelled: this.cancelled };
  }

  private buildResult(status: RunStatus, finishedAt: number, counts: RunCounts, reason: string | undefined): ExecutionResult {
    return buildExecutionResult({
      runId: this.runId,
      plan: this.plan,
      status,
      reason,
      startedAt: this.runStartedAt || finishedAt,
      finishedAt,
      counts,
      states: this.status,
      stateNames: STATUS_NAMES,
      failedState: FAILED,
      attempts: this.attempts,
      operationStartedAt: this.startedAt,
      operationFinishedAt: this.finishedAt,
      reasons: this.reasons,
      upstream: this.upstream,
      lastErrors: this.lastErrors,
      outputs: this.table.values,
      released: this.table.released,
      ...(this.checkpoints === undefined ? {} : { restoredFrom: this.checkpoints.restoredFrom, cacheKeyOf: (i: number) => this.checkpoints!.computedKey(i) }),
    });
  }

  // ---- events -----------------------------------------------------------

  private emitCompleted(i: number, attempt: number, outputs: Record<string, unknown> | undefined): void {
    const summary: Record<string, string> = {};
    if (outputs !== undefined) for (const port of this.plan.outputPorts[i]!) summary[port.name] = describeValue(outputs[port.name]);
    this.stream.emit({
      type: 'OperationCompleted',
      runId: this.runId,
      seq: 0,
      timestamp: this.finishedAt[i]!,
      operationId: this.ids[i]!,
      attempt,
      durationMs: this.finishedAt[i]! - this.startedAt[i]!,
      outputs: summary,
    });
  }
}

/**
 * Whether an attempt that ended while the run was stopping ended because of
 * the stop (its abort reason, an AbortError, or the timeout that backs the
 * stop up) rather than failing on its own.
 */
function isStopError(error: unknown, abortReason: unknown): boolean {
  if (error === abortReason || error instanceof RunCancelledError || error instanceof OperationTimeoutError) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError';
}

function shouldRetry(policy: RetryPolicy, error: unknown, attempt: number): boolean {
  if (policy.retryOn === undefined) return true;
  try {
    return policy.retryOn(error, attempt) === true;
  } catch {
    return false;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
