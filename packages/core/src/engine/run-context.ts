import type { ExecutionContext, ProgressDetails } from '../model/execution-context';
import type { Logger } from '../logging/logger';

/** What an attempt's context needs from its run. @internal */
export interface AttemptHost {
  readonly runId: string;
  /** The first run of this run's resume chain (the run itself when it resumed none). */
  readonly rootRunId: string;
  readonly ids: readonly string[];
  readonly variables: Readonly<Record<string, unknown>>;
  readonly logger: Logger;
  emitProgress(index: number, attempt: number, fraction: number, message: string | undefined, data?: Readonly<Record<string, unknown>>): void;
  graphInput(name: string): unknown;
}

/**
 * The context of one attempt. Cheap to make: the signal and the logger are
 * created on first use, so operations that use neither cost one object.
 * @internal
 */
export class RunContext implements ExecutionContext {
  private controller: AbortController | undefined;
  /** Why the attempt's signal aborted, once it has. @internal */
  abortReason: unknown;
  private childLogger: Logger | undefined;

  constructor(
    private readonly host: AttemptHost,
    private readonly index: number,
    readonly attempt: number,
  ) {}

  get runId(): string {
    return this.host.runId;
  }

  get operationId(): string {
    return this.host.ids[this.index]!;
  }

  get idempotencyKey(): string {
    return `${this.host.rootRunId}/${this.operationId}`;
  }

  get variables(): Readonly<Record<string, unknown>> {
    return this.host.variables;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get logger(): Logger {
    return (this.childLogger ??= this.host.logger.child({ runId: this.runId, operationId: this.operationId, attempt: this.attempt }));
  }

  reportProgress(fraction: number, details?: string | ProgressDetails): void {
    if (details === undefined || typeof details === 'string') this.host.emitProgress(this.index, this.attempt, fraction, details);
    else this.host.emitProgress(this.index, this.attempt, fraction, details.message, details.data);
  }

  /** @internal the value of graph input `name`, for GraphInput operations. */
  graphInput(name: string): unknown {
    return this.host.graphInput(name);
  }

  /** Aborts this attempt's signal (once). */
  abort(reason: unknown): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}
