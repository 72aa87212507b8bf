import { Subject } from 'rxjs';
import { MissingOutputError, OperationTimeoutError, PortTypeError, RunCancelledError } from './errors';
import { describeValue } from './port-type';
import { summarizeError, type EngineEvent, type RunCounts, type RunProgress } from './events';
import type { ExecutionContext } from './execution-context';
import { ExecutionResult, type OperationErrorRecord, type OperationRecord, type OperationStatus, type RunStatus } from './execution-result';
import type { Logger } from './logger';
import type { OperationExecutor } from './operation-executor';
import type { ResourceHint } from './operation-settings';
import { ReadyQueue } from './ready-queue';
import { retryDelay, type RetryPolicy } from './retry-policy';
import type { RunPlan } from './run-plan';

/** What to do when an operation fails for good. */
export type FailurePolicy = 'failFast' | 'continue';

/** Everything a run needs besides its plan, resolved by the engine. @internal */
export interface RunConfig {
  readonly runId: string;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly maxParallel: number;
  readonly cpuLimit: number;
  readonly ioLimit: number;
  readonly failurePolicy: FailurePolicy;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number | undefined;
  readonly logger: Logger;
  readonly random: () => number;
  readonly executors: Partial<Record<ResourceHint, OperationExecutor>>;
  readonly engineEvents: Subject<EngineEvent>;
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

/** How many operations start in one go before the scheduler yields to the event loop. */
const LAUNCHES_PER_TURN = 2048;

const EMPTY_INPUTS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * One run of a plan: the scheduler. Plain arrays, counters and two ready
 * heaps; RxJS only at the edge, and only when someone listens.
 * @internal
 */
export class RunExecution {
  readonly runId: string;
  readonly events = new Subject<EngineEvent>();
  readonly result: Promise<ExecutionResult>;

  private resolveResult!: (result: ExecutionResult) => void;
  private readonly n: number;
  private readonly status: Uint8Array;
  private readonly attempts: Uint16Array;
  private readonly remaining: Int32Array;
  private readonly startedAt: Float64Array;
  private readonly finishedAt: Float64Array;
  private readonly outputs: unknown[];
  private readonly contexts: (RunContext | undefined)[];
  private readonly timers: (ReturnType<typeof setTimeout> | undefined)[];
  private readonly reasons = new Map<number, string>();
  private readonly lastErrors = new Map<number, { error: unknown; attempt: number }>();
  private readonly cpuReady: ReadyQueue;
  private readonly ioReady: ReadyQueue;
  private readonly isCpu: Uint8Array;
  private readonly executors: (OperationExecutor | undefined)[];

  private running = 0;
  private runningCpu = 0;
  private runningIo = 0;
  private backoffs = 0;
  private succeeded = 0;
  private failed = 0;
  private skipped = 0;
  private cancelled = 0;
  private seq = 0;
  private pumping = false;
  private yielded: ReturnType<typeof setImmediate> | undefined;
  private stopping: 'failed' | 'cancelled' | undefined;
  private stopReason = '';
  private finished = false;
  private began = false;
  private runStartedAt = 0;

  constructor(
    readonly plan: RunPlan,
    readonly config: RunConfig,
  ) {
    this.runId = config.runId;
    const n = (this.n = plan.operations.length);
    this.status = new Uint8Array(n);
    this.attempts = new Uint16Array(n);
    this.remaining = plan.inDegree.slice();
    this.startedAt = new Float64Array(n).fill(NaN);
    this.finishedAt = new Float64Array(n).fill(NaN);
    this.outputs = new Array(n);
    this.contexts = new Array(n);
    this.timers = new Array(n);
    this.isCpu = new Uint8Array(n);
    this.executors = new Array(n);
    let cpu = 0;
    for (let i = 0; i < n; i++) {
      const resource = plan.resources[i]!;
      if (resource === 'cpu_bound' || resource === 'memory_bound') {
        this.isCpu[i] = 1;
        cpu++;
      }
      this.executors[i] = config.executors[resource];
    }
    this.cpuReady = new ReadyQueue(cpu);
    this.ioReady = new ReadyQueue(n - cpu);
    this.result = new Promise((resolve) => (this.resolveResult = resolve));
  }

  /** Starts scheduling. */
  begin(): void {
    if (this.began) return;
    this.began = true;
    this.runStartedAt = Date.now();
    if (this.observed()) {
      this.emit({ type: 'RunStarted', runId: this.runId, seq: 0, timestamp: 0, graphName: this.plan.graphName, operationCount: this.n });
    }
    if (this.stopping !== undefined) {
      this.applyStop();
      return;
    }
    for (let i = 0; i < this.n; i++) if (this.remaining[i] === 0) this.enqueue(i);
    this.pump();
  }

  /** Stops the run: running operations see their signal abort, nothing new starts. */
  cancel(reason: string): void {
    if (this.finished) return;
    this.stop('cancelled', reason);
  }

  /** Live counts for progress reporting. */
  progress(): RunProgress {
    const counts = this.counts();
    return { runId: this.runId, ...counts, done: counts.succeeded + counts.failed + counts.skipped + counts.cancelled, running: this.running };
  }

  /** @internal used by RunContext */
  isCurrent(index: number, attempt: number): boolean {
    return this.status[index] === RUNNING && this.attempts[index] === attempt;
  }

  /** @internal used by RunContext */
  emitProgress(index: number, attempt: number, fraction: number, message: string | undefined): void {
    if (!this.isCurrent(index, attempt) || !this.observed()) return;
    const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
    this.emit({
      type: 'OperationProgress',
      runId: this.runId,
      seq: 0,
      timestamp: 0,
      operationId: this.plan.ids[index]!,
      attempt,
      fraction: clamped,
      message,
    });
  }

  // ---- scheduling -------------------------------------------------------

  private enqueue(i: number): void {
    this.status[i] = QUEUED;
    if (this.isCpu[i] === 1) this.cpuReady.push(i);
    else this.ioReady.push(i);
  }

  /** Starts ready operations while slots are free. Never re-entered. */
  private pump(): void {
    if (this.pumping || this.finished) return;
    this.pumping = true;
    let budget = LAUNCHES_PER_TURN;
    const { maxParallel, cpuLimit, ioLimit } = this.config;
    while (this.stopping === undefined && this.running < maxParallel) {
      const cpuTop = this.runningCpu < cpuLimit ? this.cpuReady.peek() : -1;
      const ioTop = this.runningIo < ioLimit ? this.ioReady.peek() : -1;
      let i: number;
      if (cpuTop >= 0 && (ioTop < 0 || cpuTop < ioTop)) i = this.cpuReady.pop();
      else if (ioTop >= 0) i = this.ioReady.pop();
      else break;
      this.launch(i);
      if (--budget === 0) {
        // Let timers, I/O and cancellation in before starting more.
        this.yielded ??= setImmediate(() => {
          this.yielded = undefined;
          this.pump();
        });
        break;
      }
    }
    this.pumping = false;
    this.finishIfDone();
  }

  private launch(i: number): void {
    this.status[i] = RUNNING;
    this.running++;
    if (this.isCpu[i] === 1) this.runningCpu++;
    else this.runningIo++;
    const attempt = ++this.attempts[i]!;
    if (attempt === 1) this.startedAt[i] = Date.now();
    const context = new RunContext(this, i, attempt);
    this.contexts[i] = context;
    if (this.observed()) {
      this.emit({ type: 'OperationStarted', runId: this.runId, seq: 0, timestamp: 0, operationId: this.plan.ids[i]!, attempt });
    }
    const op = this.plan.operations[i]!;
    const timeoutMs = op.settings.timeoutMs ?? this.config.timeoutMs;
    if (timeoutMs !== undefined) {
      this.timers[i] = setTimeout(() => this.onTimeout(i, attempt, timeoutMs), timeoutMs);
    }
    let returned: unknown;
    try {
      const inputs = this.gatherInputs(i);
      const executor = this.executors[i];
      returned = executor === undefined ? op.execute(inputs, context) : executor.execute(op, inputs, context);
    } catch (error) {
      this.onFailure(i, attempt, error);
      return;
    }
    if (returned !== null && typeof returned === 'object' && typeof (returned as PromiseLike<unknown>).then === 'function') {
      (returned as PromiseLike<unknown>).then(
        (value) => this.onSuccess(i, attempt, value),
        (error: unknown) => this.onFailure(i, attempt, error),
      );
    } else {
      this.onSuccess(i, attempt, returned);
    }
  }

  private gatherInputs(i: number): Readonly<Record<string, unknown>> {
    const bindings = this.plan.inputs[i];
    if (bindings === null || bindings === undefined) return EMPTY_INPUTS;
    const inputs: Record<string, unknown> = {};
    for (let b = 0; b < bindings.length; b++) {
      const { port, sources } = bindings[b]!;
      if (sources.length === 0) {
        inputs[port.name] = port.collect ? [] : port.default;
        continue;
      }
      if (!port.collect) {
        inputs[port.name] = this.deliver(i, port.name, port.check.test, port.typeName, sources[0]!);
        continue;
      }
      const values = new Array(sources.length);
      for (let s = 0; s < sources.length; s++) values[s] = this.deliver(i, port.name, port.check.test, port.typeName, sources[s]!);
      inputs[port.name] = values;
    }
    return inputs;
  }

  private deliver(
    i: number,
    portName: string,
    test: ((value: unknown) => boolean) | null,
    typeName: string,
    source: { index: number; port: string; check: boolean; channel: { observed: boolean; deliver(v: unknown): void } },
  ): unknown {
    const produced = this.outputs[source.index] as Record<string, unknown> | undefined;
    const value = produced === undefined ? undefined : produced[source.port];
    if (source.check && test !== null && !test(value)) {
      throw new PortTypeError({ operationId: this.plan.ids[i]!, port: portName, direction: 'input', expected: typeName, actual: describeValue(value) });
    }
    if (source.channel.observed) source.channel.deliver(value);
    return value;
  }

  private onSuccess(i: number, attempt: number, value: unknown): void {
    if (!this.isCurrent(i, attempt)) return;
    const ports = this.plan.outputs[i];
    if (ports !== null && ports !== undefined) {
      const problem = this.checkOutputs(i, ports, value);
      if (problem !== undefined) {
        this.onFailure(i, attempt, problem);
        return;
      }
      this.outputs[i] = value;
    }
    this.endAttempt(i);
    this.status[i] = SUCCEEDED;
    this.finishedAt[i] = Date.now();
    this.succeeded++;
    if (this.observed()) this.emitCompleted(i, attempt, ports ? (value as Record<string, unknown>) : undefined);
    const { offsets, targets } = this.plan.successors;
    const remaining = this.remaining;
    for (let k = offsets[i]!, end = offsets[i + 1]!; k < end; k++) {
      const w = targets[k]!;
      if (--remaining[w] === 0 && this.status[w] === PENDING) this.enqueue(w);
    }
    this.pump();
  }

  private checkOutputs(i: number, ports: readonly { name: string; check: { test: ((v: unknown) => boolean) | null; name: string } }[], value: unknown): Error | undefined {
    const id = this.plan.ids[i]!;
    if (value === null || typeof value !== 'object') return new MissingOutputError(id, ports[0]!.name);
    const record = value as Record<string, unknown>;
    for (let p = 0; p < ports.length; p++) {
      const port = ports[p]!;
      const v = record[port.name];
      if (v === undefined && !(port.name in record)) return new MissingOutputError(id, port.name);
      const test = port.check.test;
      if (test !== null && !test(v)) {
        return new PortTypeError({ operationId: id, port: port.name, direction: 'output', expected: port.check.name, actual: describeValue(v) });
      }
    }
    return undefined;
  }

  private onFailure(i: number, attempt: number, error: unknown): void {
    if (!this.isCurrent(i, attempt)) return;
    this.endAttempt(i);
    if (this.stopping !== undefined) {
      // The run is stopping and this attempt ended because of it.
      this.settle(i, CANCELLED, this.stopReason);
      this.finishIfDone();
      return;
    }
    const policy = this.plan.operations[i]!.settings.retry ?? this.config.retry;
    const willRetry = attempt < policy.maxAttempts && shouldRetry(policy, error, attempt);
    this.lastErrors.set(i, { error, attempt });
    const observed = this.observed();
    const id = this.plan.ids[i]!;
    if (observed) {
      this.emit({ type: 'OperationFailed', runId: this.runId, seq: 0, timestamp: 0, operationId: id, attempt, error: summarizeError(error), willRetry });
    }
    if (willRetry) {
      const delayMs = retryDelay(policy, attempt, this.config.random);
      this.status[i] = BACKOFF;
      this.backoffs++;
      if (observed) {
        this.emit({ type: 'OperationRetrying', runId: this.runId, seq: 0, timestamp: 0, operationId: id, attempt: attempt + 1, delayMs, error: summarizeError(error) });
      }
      this.timers[i] = setTimeout(() => {
        this.timers[i] = undefined;
        this.backoffs--;
        this.enqueue(i);
        this.pump();
      }, delayMs);
      this.pump();
      return;
    }
    this.status[i] = FAILED;
    this.finishedAt[i] = Date.now();
    this.failed++;
    if (this.config.failurePolicy === 'failFast') {
      this.stop('failed', `operation '${id}' failed`);
    } else {
      this.skipDownstream(i);
      this.pump();
    }
  }

  private onTimeout(i: number, attempt: number, timeoutMs: number): void {
    this.timers[i] = undefined;
    if (!this.isCurrent(i, attempt)) return;
    const error = new OperationTimeoutError(this.plan.ids[i]!, timeoutMs, attempt);
    this.contexts[i]?.abort(error);
    this.onFailure(i, attempt, error);
  }

  /** Frees an attempt's slot, timer and context. */
  private endAttempt(i: number): void {
    const timer = this.timers[i];
    if (timer !== undefined) {
      clearTimeout(timer);
      this.timers[i] = undefined;
    }
    this.contexts[i] = undefined;
    this.status[i] = PENDING;
    this.running--;
    if (this.isCpu[i] === 1) this.runningCpu--;
    else this.runningIo--;
  }

  /** `continue` policy: everything downstream of a failed operation is skipped. */
  private skipDownstream(failedIndex: number): void {
    const { offsets, targets } = this.plan.successors;
    const reason = `upstream operation '${this.plan.ids[failedIndex]}' failed`;
    const stack = [failedIndex];
    while (stack.length > 0) {
      const v = stack.pop()!;
      for (let k = offsets[v]!, end = offsets[v + 1]!; k < end; k++) {
        const w = targets[k]!;
        if (this.status[w] === PENDING && Number.isNaN(this.finishedAt[w]!)) {
          this.settle(w, SKIPPED, reason);
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
    if (this.yielded !== undefined) {
      clearImmediate(this.yielded);
      this.yielded = undefined;
    }
    const abortReason = new RunCancelledError(reason);
    const notStarted = kind === 'cancelled' ? CANCELLED : SKIPPED;
    for (let i = 0; i < this.n; i++) {
      const s = this.status[i];
      if (s === RUNNING) {
        this.contexts[i]?.abort(abortReason);
      } else if (s === BACKOFF) {
        clearTimeout(this.timers[i]);
        this.timers[i] = undefined;
        this.backoffs--;
        this.settle(i, CANCELLED, reason);
      } else if (s === PENDING || s === QUEUED) {
        this.settle(i, notStarted, reason);
      }
    }
    this.finishIfDone();
  }

  /** Puts an operation that is not running into a final state, with its event. */
  private settle(i: number, state: typeof SKIPPED | typeof CANCELLED, reason: string): void {
    this.status[i] = state;
    this.reasons.set(i, reason);
    if (this.attempts[i] !== 0) this.finishedAt[i] = Date.now();
    if (state === SKIPPED) this.skipped++;
    else this.cancelled++;
    if (this.observed()) {
      const operationId = this.plan.ids[i]!;
      this.emit(
        state === SKIPPED
          ? { type: 'OperationSkipped', runId: this.runId, seq: 0, timestamp: 0, operationId, reason }
          : { type: 'OperationCancelled', runId: this.runId, seq: 0, timestamp: 0, operationId, reason },
      );
    }
  }

  private finishIfDone(): void {
    if (this.finished || !this.began || this.pumping || this.running > 0 || this.backoffs > 0 || this.yielded !== undefined) return;
    if (this.stopping === undefined && (this.cpuReady.size > 0 || this.ioReady.size > 0)) return;
    this.finished = true;
    const status: RunStatus = this.stopping === 'cancelled' ? 'cancelled' : this.failed > 0 ? 'failed' : 'succeeded';
    const finishedAt = Date.now();
    const counts = this.counts();
    if (this.observed()) {
      this.emit({ type: 'RunCompleted', runId: this.runId, seq: 0, timestamp: 0, status, durationMs: finishedAt - this.runStartedAt, counts });
    }
    this.events.complete();
    this.resolveResult(this.buildResult(status, finishedAt, counts));
  }

  private counts(): RunCounts {
    return { total: this.n, succeeded: this.succeeded, failed: this.failed, skipped: this.skipped, cancelled: this.cancelled };
  }

  private buildResult(status: RunStatus, finishedAt: number, counts: RunCounts): ExecutionResult {
    const errors: OperationErrorRecord[] = [];
    for (let i = 0; i < this.n; i++) {
      if (this.status[i] !== FAILED) continue;
      const last = this.lastErrors.get(i)!;
      errors.push({ operationId: this.plan.ids[i]!, attempt: last.attempt, ...summarizeError(last.error), error: last.error });
    }
    const { ids } = this.plan;
    const { status: states, attempts, startedAt, finishedAt: ended, reasons, lastErrors } = this;
    let records: OperationRecord[] | undefined;
    return new ExecutionResult({
      runId: this.runId,
      graphName: this.plan.graphName,
      status,
      startedAt: this.runStartedAt || finishedAt,
      finishedAt,
      counts,
      errors,
      indexById: this.plan.indexById,
      outputs: this.outputs,
      records: () =>
        (records ??= Array.from({ length: this.n }, (_, i): OperationRecord => {
          const start = startedAt[i]!;
          const end = ended[i]!;
          const record: Record<string, unknown> = {
            operationId: ids[i]!,
            status: STATUS_NAMES[states[i]!]!,
            attempts: attempts[i]!,
            startedAt: Number.isNaN(start) ? null : start,
            finishedAt: Number.isNaN(end) ? null : end,
            durationMs: Number.isNaN(start) || Number.isNaN(end) ? null : end - start,
          };
          const reason = reasons.get(i);
          if (reason !== undefined) record.reason = reason;
          if (states[i] === FAILED) record.error = summarizeError(lastErrors.get(i)!.error);
          return record as unknown as OperationRecord;
        })),
    });
  }

  // ---- events -----------------------------------------------------------

  private observed(): boolean {
    return this.events.observed || this.config.engineEvents.observed;
  }

  private emitCompleted(i: number, attempt: number, outputs: Record<string, unknown> | undefined): void {
    const summary: Record<string, string> = {};
    if (outputs !== undefined) for (const port of this.plan.outputs[i]!) summary[port.name] = describeValue(outputs[port.name]);
    this.emit({
      type: 'OperationCompleted',
      runId: this.runId,
      seq: 0,
      timestamp: 0,
      operationId: this.plan.ids[i]!,
      attempt,
      durationMs: Date.now() - this.startedAt[i]!,
      outputs: summary,
    });
  }

  /** Stamps seq and time, then hands the event to run and engine observers. */
  private emit(event: EngineEvent): void {
    const stamped = event as { seq: number; timestamp: number };
    stamped.seq = ++this.seq;
    stamped.timestamp = Date.now();
    if (this.events.observed) this.events.next(event);
    if (this.config.engineEvents.observed) this.config.engineEvents.next(event);
  }
}

function shouldRetry(policy: RetryPolicy, error: unknown, attempt: number): boolean {
  if (policy.retryOn === undefined) return true;
  try {
    return policy.retryOn(error, attempt) === true;
  } catch {
    return false;
  }
}

/** The context of one attempt. Cheap to make: the signal and logger are created on first use. */
class RunContext implements ExecutionContext {
  private controller: AbortController | undefined;
  private abortReason: unknown;
  private childLogger: Logger | undefined;

  constructor(
    private readonly run: RunExecution,
    private readonly index: number,
    readonly attempt: number,
  ) {}

  get runId(): string {
    return this.run.runId;
  }

  get operationId(): string {
    return this.run.plan.ids[this.index]!;
  }

  get variables(): Readonly<Record<string, unknown>> {
    return this.run.config.variables;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get logger(): Logger {
    return (this.childLogger ??= this.run.config.logger.child({ runId: this.runId, operationId: this.operationId, attempt: this.attempt }));
  }

  reportProgress(fraction: number, message?: string): void {
    this.run.emitProgress(this.index, this.attempt, fraction, message);
  }

  /** @internal */
  abort(reason: unknown): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}
