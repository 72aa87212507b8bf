/**
 * One attempt on a worker pool, as the main thread keeps it while it runs:
 * it hands the attempt's progress and logs to the engine, relays an abort of
 * the attempt's signal to the worker, and settles the attempt from the
 * task's result, or from how piscina failed the task.
 * @internal
 */
import type { ExecutionContext } from '@portflow/core';
import { crashKind, WorkerCrashError } from './errors';
import type { TaskResult, ThreadMessage, WorkerTask } from './protocol';
import { deserializeError } from './serialized-error';
import { adoptRealm, isCloneable, restoreBuffers } from './values';

/** What a {@link PoolTask} needs from its pool. */
export interface TaskHost {
  /** How long an aborted attempt gets to stop on its own before its thread is terminated, in ms. */
  readonly abortGraceMs: number;
  /** Tells the worker that task `id`'s signal aborted. */
  sendAbort(id: number, reason: unknown): void;
  /** Terminates the thread running task `id`; false when no thread runs it. */
  terminateRunner(id: number): boolean;
  /** The thread running task `id`, if one is. */
  runnerOf(id: number): number | undefined;
  /** Delivers, now, what thread `thread` sent that has not been read yet. */
  collect(thread: number): void;
  /** Task `id` settled. */
  forget(id: number): void;
}

export class PoolTask {
  /** Progress and log messages handed on so far. */
  private received = 0;
  private settled = false;
  private grace: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(
    private readonly task: WorkerTask,
    private readonly context: ExecutionContext,
    private readonly host: TaskHost,
    private readonly resolve: (outputs: unknown) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    context.signal.addEventListener('abort', this);
  }

  /**
   * The attempt's signal aborted. The worker is told: a running operation
   * sees `context.signal` abort; a task still on its way to a thread, or
   * still in piscina's queue, is skipped when a thread gets it. After
   * `abortGraceMs`, a thread still running the attempt is terminated; an
   * attempt no thread runs ends then.
   */
  handleEvent(): void {
    this.task.cancelled = true;
    this.host.sendAbort(this.task.id, this.context.signal.reason);
    if (this.host.abortGraceMs === 0) this.stop();
    else this.grace = setTimeout(() => this.stop(), this.host.abortGraceMs);
  }

  /** The executor closes: the attempt ends now (its pool is destroyed next, which ends its thread). */
  close(reason: unknown): void {
    this.fail(reason);
  }

  /** Progress or a log entry from the attempt. */
  deliver(message: ThreadMessage): void {
    this.received++;
    if (message.type === 'progress') {
      this.context.reportProgress(message.fraction, message.data === undefined ? message.message : { message: message.message, data: message.data });
    } else {
      this.context.logger[message.level](message.message, message.fields);
    }
  }

  /** The task's result: what the attempt sent beside it first, then its outcome. */
  onResult(result: TaskResult): void {
    if (this.settled) return;
    if (result.sent !== undefined && result.sent > this.received) this.host.collect(result.thread);
    const signal = this.context.signal;
    if (result.ok) {
      restoreBuffers(result.outputs, result.buffers);
      adoptRealm(result.outputs);
      this.succeed(result.outputs);
    } else if (result.aborted === true && signal.aborted) {
      this.fail(signal.reason); // as on the main thread: the attempt ended with its abort reason
    } else {
      this.fail(deserializeError(result.error));
    }
  }

  /** Piscina failed the task: its inputs could not be posted, or its thread died (or was terminated after an abort). */
  onError(error: unknown): void {
    if (this.settled) return;
    const { signal } = this.context;
    if (signal.aborted) return this.fail(signal.reason);
    const thread = this.host.runnerOf(this.task.id);
    if (thread !== undefined) this.host.collect(thread); // what it sent before its thread died
    const { inputs, operationId, attempt } = this.task;
    const bad = (error as { name?: unknown } | null)?.name === 'DataCloneError' ? Object.keys(inputs).filter((key) => !isCloneable(inputs[key])) : [];
    this.fail(bad.length > 0 ? uncloneableInputs(operationId, bad, error) : new WorkerCrashError(operationId, attempt, crashKind(error), error));
  }

  private stop(): void {
    this.grace = undefined;
    if (!this.settled && !this.host.terminateRunner(this.task.id)) this.fail(this.context.signal.reason);
  }

  private succeed(outputs: unknown): void {
    this.finish();
    this.resolve(outputs);
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.finish();
    this.reject(error);
  }

  private finish(): void {
    this.settled = true;
    this.context.signal.removeEventListener('abort', this);
    if (this.grace !== undefined) clearTimeout(this.grace);
    this.host.forget(this.task.id);
  }
}

function uncloneableInputs(operationId: string, bad: readonly string[], error: unknown): Error {
  return new TypeError(
    `Operation '${operationId}': input ${bad.map((k) => `'${k}'`).join(', ')} cannot be sent to a worker thread (${error instanceof Error ? error.message : String(error)}). ` +
      `Values crossing threads must be structured-cloneable: plain data, arrays, Map/Set, Date, typed arrays and ArrayBuffers, no functions or handles.`,
    { cause: error },
  );
}
