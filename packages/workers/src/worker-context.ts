/**
 * The `ExecutionContext` of an attempt on a worker thread. Cheap to make:
 * its signal, logger and variables are built on first use, so an operation
 * that uses none of them costs one object. Progress and logs go to the main
 * thread over the thread's link; an abort from there aborts the signal.
 * @internal
 */
import { createLogger, type ExecutionContext, type Logger, type ProgressDetails } from '@portflow/core';
import type { WorkerTask } from './protocol';
import type { LinkedAttempt, ThreadLink } from './thread-link';

export class WorkerContext implements ExecutionContext, LinkedAttempt {
  /** Progress and log messages sent so far. */
  sent = 0;
  private controller: AbortController | undefined = undefined;
  private abortedWith: { readonly reason: unknown } | undefined = undefined;
  private childLogger: Logger | undefined = undefined;
  private frozenVariables: Readonly<Record<string, unknown>> | undefined = undefined;

  constructor(
    private readonly task: WorkerTask,
    private readonly link: ThreadLink,
  ) {}

  get id(): number {
    return this.task.id;
  }

  get runId(): string {
    return this.task.runId;
  }

  get operationId(): string {
    return this.task.operationId;
  }

  get attempt(): number {
    return this.task.attempt;
  }

  get idempotencyKey(): string {
    return this.task.idempotencyKey ?? `${this.task.runId}/${this.task.operationId}`;
  }

  get variables(): Readonly<Record<string, unknown>> {
    return (this.frozenVariables ??= workerVariables(this.task.variables ?? {}, this.task.missingVariables ?? []));
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortedWith !== undefined) this.controller.abort(this.abortedWith.reason);
    }
    return this.controller.signal;
  }

  /** A logger whose entries (bindings merged into fields) go to the main thread's logger for the attempt. */
  get logger(): Logger {
    return (this.childLogger ??= createLogger((entry) => this.post({ id: this.task.id, type: 'log', level: entry.level, message: String(entry.message), fields: { ...entry.fields } })));
  }

  reportProgress(fraction: number, details?: string | ProgressDetails): void {
    const message = typeof details === 'string' ? details : details?.message;
    const data = typeof details === 'object' && details !== null ? details.data : undefined;
    this.post({ id: this.task.id, type: 'progress', fraction, ...(message === undefined ? {} : { message: String(message) }), ...(data === undefined ? {} : { data }) });
  }

  abort(reason: unknown): void {
    if (this.abortedWith !== undefined) return;
    this.abortedWith = { reason };
    this.controller?.abort(reason);
  }

  /** Whether the attempt's signal aborted (before it started, when asked at the start). */
  get aborted(): boolean {
    return this.abortedWith !== undefined;
  }

  /** Whether the attempt ended by throwing its signal's reason. */
  endedByAbort(error: unknown): boolean {
    return this.abortedWith !== undefined && error === this.abortedWith.reason;
  }

  private post(message: Parameters<ThreadLink['send']>[0]): void {
    this.link.send(message);
    this.sent++;
  }
}

function workerVariables(values: Record<string, unknown>, missing: readonly string[]): Readonly<Record<string, unknown>> {
  for (const key of missing) {
    Object.defineProperty(values, key, {
      enumerable: true,
      get() {
        throw new TypeError(`Run variable '${key}' cannot be cloned to a worker thread (it holds a function or a handle), so worker operations cannot read it`);
      },
    });
  }
  return Object.freeze(values);
}
