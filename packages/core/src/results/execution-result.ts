import { OutputUnavailableError, UnknownOperationError } from '../errors/errors';
import type { ErrorSummary, RunCounts } from '../events/events';
import type { Operation } from '../model/operation';
import type { OutputPortName, OutputValue } from '../model/ports/port';

/** How a run ended. */
export type RunStatus = 'succeeded' | 'failed' | 'cancelled';

/** How an operation ended (or where it is, while the run is going). */
export type OperationStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** What happened to one operation in a run. Plain data. */
export interface OperationRecord {
  readonly operationId: string;
  readonly status: OperationStatus;
  /** Attempts started (0 if it never ran). */
  readonly attempts: number;
  /** Epoch ms of the first attempt's start, or null. */
  readonly startedAt: number | null;
  /** Epoch ms when it reached its final state, or null if it never started. */
  readonly finishedAt: number | null;
  /** finishedAt - startedAt, or null. */
  readonly durationMs: number | null;
  /** Why it was skipped or cancelled. */
  readonly reason?: string;
  /** The failed upstream operation that caused a skip (`continue` policy). */
  readonly upstreamOperationId?: string;
  /** Its last error, when it failed. */
  readonly error?: ErrorSummary;
  /** The run whose stored result was restored instead of running it (runs with a checkpoint store). */
  readonly restoredFrom?: string;
  /** Its cache key, in runs with a checkpoint store: a hash of its type, version, params and input contents. */
  readonly cacheKey?: string;
}

/** An operation's final error: the summary, plus the original error object. */
export interface OperationErrorRecord extends ErrorSummary {
  readonly operationId: string;
  readonly attempt: number;
  /** The value the operation threw (not part of the JSON form). */
  readonly error: unknown;
}

/** The frozen state of a finished run. @internal */
export interface ResultState {
  readonly runId: string;
  readonly graphName: string;
  readonly status: RunStatus;
  readonly reason: string | undefined;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly counts: RunCounts;
  readonly records: () => OperationRecord[];
  readonly errors: readonly OperationErrorRecord[];
  readonly indexById: ReadonlyMap<string, number>;
  readonly outputs: readonly unknown[];
  /** 1 where an operation's outputs were released after their consumers read them. */
  readonly released: Uint8Array;
  /** The graph's declared outputs: name, plan position, port. */
  readonly graphOutputs: readonly { readonly name: string; readonly index: number; readonly port: string }[];
}

/**
 * The outcome of a run: its status, a record per operation, the errors and
 * the outputs. `toJSON()` gives plain data (without outputs and original
 * error objects) for logs, HTTP and storage.
 *
 * @example
 * ```ts
 * const result = await engine.run(graph);
 * if (result.isSuccessful()) console.log(result.getOutput(add, 'sum'));
 * else console.error(result.getErrorMessage());
 * ```
 */
export class ExecutionResult<O extends object = object> {
  /** @internal built by the engine */
  constructor(private readonly state: ResultState) {}

  get runId(): string {
    return this.state.runId;
  }
  get graphName(): string {
    return this.state.graphName;
  }
  get status(): RunStatus {
    return this.state.status;
  }
  /** Why the run stopped early (cancellation reason, or the failed operation under `failFast`); undefined otherwise. */
  get reason(): string | undefined {
    return this.state.reason;
  }
  /** Epoch ms when the run started. */
  get startedAt(): number {
    return this.state.startedAt;
  }
  /** Epoch ms when the run settled. */
  get finishedAt(): number {
    return this.state.finishedAt;
  }
  get durationMs(): number {
    return this.state.finishedAt - this.state.startedAt;
  }
  /** Operations by final state. */
  get counts(): RunCounts {
    return this.state.counts;
  }
  /** The final error of every failed operation, in topological order. */
  get errors(): readonly OperationErrorRecord[] {
    return this.state.errors;
  }

  /** One record per operation, in topological order. */
  get operations(): readonly OperationRecord[] {
    return this.state.records();
  }

  /**
   * True when every operation succeeded. Narrows the result: then
   * `outputs` holds every declared graph output.
   */
  isSuccessful(): this is SucceededResult<O> {
    return this.state.status === 'succeeded';
  }

  /**
   * The graph's declared outputs (`graph.output(name, op, port)`) by name:
   * those whose operation succeeded. After `isSuccessful()` all of them are
   * there, typed from the graph's output types.
   */
  get outputs(): Partial<O> {
    const out: Record<string, unknown> = {};
    for (const { name, index, port } of this.state.graphOutputs) {
      const record = this.state.outputs[index] as Record<string, unknown> | undefined;
      if (record !== undefined && record !== null) out[name] = record[port];
    }
    return out as Partial<O>;
  }

  /** The record of one operation (given as the operation or its id). */
  getRecord(operation: Operation | string): OperationRecord {
    return this.state.records()[this.indexOf(operation)]!;
  }

  /**
   * The value an operation produced on an output port, typed from the port;
   * `undefined` if the operation did not succeed. Throws an
   * `OutputUnavailableError` (code `PORTFLOW_OUTPUT_RELEASED`) for an output
   * the run released after its consumers read it: declare it with
   * `graph.output()`, or run with `{ retainOutputs: true }`.
   */
  getOutput<O extends Operation, P extends OutputPortName<O>>(operation: O, port: P): OutputValue<O, P> | undefined;
  getOutput(operationId: string, port: string): unknown;
  getOutput(operation: Operation | string, port: string): unknown {
    const index = this.indexOf(operation);
    if (this.state.released[index] === 1) throw OutputUnavailableError.released(typeof operation === 'string' ? operation : operation.id, port);
    const value = this.state.outputs[index] as Record<string, unknown> | undefined;
    return value === undefined || value === null ? undefined : value[port];
  }

  /**
   * What went wrong, for logs and messages: one line per failed operation
   * (`id (attempt n): Name: message`), after a `Run cancelled: reason` line
   * when the run was cancelled. Undefined when the run succeeded.
   */
  getErrorMessage(): string | undefined {
    const { status, reason, errors } = this.state;
    if (status === 'succeeded') return undefined;
    const lines = errors.map((e) => `${e.operationId} (attempt ${e.attempt}): ${e.name}: ${e.message}`);
    if (status === 'cancelled' || lines.length === 0) lines.unshift(`Run ${status}${reason === undefined ? '' : `: ${reason}`}`);
    return lines.join('\n');
  }

  /** Plain data: everything but outputs and original error objects. */
  toJSON(): Record<string, unknown> {
    return {
      runId: this.runId,
      graphName: this.graphName,
      status: this.status,
      ...(this.reason === undefined ? {} : { reason: this.reason }),
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
      durationMs: this.durationMs,
      counts: this.counts,
      operations: this.operations,
      errors: this.errors.map(({ error: _error, ...summary }) => summary),
    };
  }

  private indexOf(operation: Operation | string): number {
    if (typeof operation !== 'string' && !operation.hasId) {
      throw new UnknownOperationError(`Run ${this.runId} of graph '${this.graphName}' has no operation ${String(operation)}: it has no id, so it was never added to a graph`);
    }
    const id = typeof operation === 'string' ? operation : operation.id;
    const index = this.state.indexById.get(id);
    if (index === undefined) {
      throw new UnknownOperationError(`Run ${this.runId} of graph '${this.graphName}' has no operation '${id}'`);
    }
    return index;
  }
}

/**
 * A result whose run succeeded: every declared graph output is present, and
 * `getOutput` of an operation's port returns its value type.
 *
 * @example
 * ```ts
 * if (result.isSuccessful()) console.log(result.outputs.accuracy.toFixed(3));
 * ```
 */
export interface SucceededResult<O extends object> extends ExecutionResult<O> {
  readonly status: 'succeeded';
  readonly outputs: Partial<O> & O;
  getOutput<Op extends Operation, P extends OutputPortName<Op>>(operation: Op, port: P): OutputValue<Op, P>;
  getOutput(operationId: string, port: string): unknown;
}
