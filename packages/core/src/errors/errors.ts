import type { GraphProblem } from '../graph/graph-problem';

/**
 * Every code a Portflow error can carry, one per error class of every
 * package. Programs branch on these, never on messages.
 */
export const ERROR_CODES = Object.freeze([
  'PORTFLOW_GRAPH_INVALID',
  'PORTFLOW_PORT_TYPE',
  'PORTFLOW_OUTPUT_MISSING',
  'PORTFLOW_OUTPUT_RELEASED',
  'PORTFLOW_OUTPUT_UNAVAILABLE',
  'PORTFLOW_TIMEOUT',
  'PORTFLOW_CANCELLED',
  'PORTFLOW_INVALID_OPTIONS',
  'PORTFLOW_INVALID_PARAMS',
  'PORTFLOW_UNKNOWN_OPERATION',
  'PORTFLOW_OPERATION_STATE',
  'PORTFLOW_OPERATION_REF',
  'PORTFLOW_VALUE_NOT_SERIALIZABLE',
  'PORTFLOW_WORKFLOW_INVALID',
  'PORTFLOW_COMPONENT_REGISTRATION',
  'PORTFLOW_PARAMS_INVALID',
  'PORTFLOW_UNKNOWN_COMPONENT',
  'PORTFLOW_PLUGIN',
  'PORTFLOW_WORKER_CRASHED',
  'PORTFLOW_UNKNOWN_RUN',
  'PORTFLOW_STORE',
  'PORTFLOW_BLOB_CORRUPT',
  'PORTFLOW_DATA_SOURCE',
  'PORTFLOW_DATA_QUERY',
  'PORTFLOW_UNSAFE_SQL',
  'PORTFLOW_COMMAND_FAILED',
  'PORTFLOW_QUEUE_FULL',
  'PORTFLOW_UNKNOWN_WORKFLOW',
  'PORTFLOW_WORKFLOW_BUSY',
  'PORTFLOW_RUNS_CLOSED',
  'PORTFLOW_SERVICE_CONFIG',
  'PORTFLOW_PATH_OUTSIDE_ROOTS',
  'PORTFLOW_REDIS_UNSUITABLE',
  'PORTFLOW_NO_WORKER',
  'PORTFLOW_RUN_LEASE',
] as const);

/** One of {@link ERROR_CODES}. */
export type PortflowErrorCode = (typeof ERROR_CODES)[number];

const BRAND = Symbol.for('portflow.error');

/**
 * Base class of every error Portflow throws. `code` is stable and meant for
 * programs; `message` says what went wrong, where, and how to fix it.
 */
export class PortflowError extends Error {
  /** Stable machine-readable code, e.g. `PORTFLOW_GRAPH_INVALID`. */
  readonly code: PortflowErrorCode;

  constructor(code: PortflowErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    // Subclasses set `name` to a literal: class names do not survive minifiers.
    this.name = 'PortflowError';
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * Whether `error` is a Portflow error, optionally with a given code. Works
 * across duplicate copies of the package (where `instanceof` does not).
 *
 * @example
 * ```ts
 * if (isPortflowError(error, 'PORTFLOW_TIMEOUT')) retryLater();
 * ```
 */
export function isPortflowError(error: unknown, code?: PortflowErrorCode): error is PortflowError {
  if (error === null || typeof error !== 'object' || (error as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (error as PortflowError).code === code;
}

/**
 * A graph failed validation. `problems` lists every problem found, not just
 * the first; the message lists them one per line.
 *
 * @example
 * ```ts
 * try { graph.validate(); } catch (e) {
 *   if (e instanceof GraphValidationError) for (const p of e.problems) console.log(p.kind, p.message);
 * }
 * ```
 */
export class GraphValidationError extends PortflowError {
  override readonly name: string = 'GraphValidationError';

  readonly problems: readonly GraphProblem[];

  constructor(graphName: string, problems: readonly GraphProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super('PORTFLOW_GRAPH_INVALID', `Graph '${graphName}' has ${count}:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Where a port value was seen with the wrong type. */
export interface PortTypeErrorDetails {
  readonly operationId: string;
  readonly port: string;
  readonly direction: 'input' | 'output';
  readonly expected: string;
  readonly actual: string;
}

/** A value of the wrong runtime type was written to or arrived at a port. */
export class PortTypeError extends PortflowError implements PortTypeErrorDetails {
  override readonly name = 'PortTypeError';

  readonly operationId: string;
  readonly port: string;
  readonly direction: 'input' | 'output';
  readonly expected: string;
  readonly actual: string;

  constructor(details: PortTypeErrorDetails) {
    const where = details.direction === 'input' ? 'received on input' : 'returned for output';
    super(
      'PORTFLOW_PORT_TYPE',
      `Operation '${details.operationId}' ${where} port '${details.port}' a value of type ${details.actual}, ` +
        `but the port expects ${details.expected}. Fix the value's producer or the port's declared type.`,
    );
    this.operationId = details.operationId;
    this.port = details.port;
    this.direction = details.direction;
    this.expected = details.expected;
    this.actual = details.actual;
  }
}

/** `execute` returned without a value for a declared output port. */
export class MissingOutputError extends PortflowError {
  override readonly name = 'MissingOutputError';

  constructor(
    readonly operationId: string,
    readonly port: string,
  ) {
    super(
      'PORTFLOW_OUTPUT_MISSING',
      `Operation '${operationId}' finished without a value for output port '${port}'. ` +
        `Return an object with a '${port}' property from execute().`,
    );
  }
}

/** An attempt ran longer than its `timeoutMs`. Retryable unless `retryOn` says otherwise. */
export class OperationTimeoutError extends PortflowError {
  override readonly name = 'OperationTimeoutError';

  constructor(
    readonly operationId: string,
    readonly timeoutMs: number,
    readonly attempt: number,
  ) {
    super(
      'PORTFLOW_TIMEOUT',
      `Operation '${operationId}' attempt ${attempt} timed out after ${timeoutMs} ms. ` +
        `Raise its timeoutMs or make it honour context.signal.`,
    );
  }
}

/** The run was cancelled; the reason given to `cancel()` is the `cause`. */
export class RunCancelledError extends PortflowError {
  override readonly name = 'RunCancelledError';

  constructor(readonly reason: string) {
    super('PORTFLOW_CANCELLED', `Run cancelled: ${reason}`, { cause: reason });
  }
}

/** An option passed to the engine or to a run is invalid. */
export class InvalidOptionsError extends PortflowError {
  override readonly name = 'InvalidOptionsError';

  constructor(
    readonly where: string,
    readonly problems: readonly string[],
  ) {
    super('PORTFLOW_INVALID_OPTIONS', `Invalid ${where}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A lookup named an operation or port that is not in the graph or result. */
export class UnknownOperationError extends PortflowError {
  override readonly name = 'UnknownOperationError';

  constructor(message: string) {
    super('PORTFLOW_UNKNOWN_OPERATION', message);
  }
}

/** An operation's params are not JSON data or failed its `validateParams`. */
export class InvalidParamsError extends PortflowError {
  override readonly name = 'InvalidParamsError';

  constructor(
    readonly operationType: string,
    readonly problems: readonly string[],
  ) {
    super('PORTFLOW_INVALID_PARAMS', `Invalid params for operation type '${operationType}':\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** An operation was used in a way its state does not allow (no id yet, settings changed after a run, a port declared twice). */
export class OperationStateError extends PortflowError {
  override readonly name = 'OperationStateError';

  constructor(message: string) {
    super('PORTFLOW_OPERATION_STATE', message);
  }
}

/** An {@link OperationRef} could not be turned back into an operation. */
export class OperationRefError extends PortflowError {
  override readonly name = 'OperationRefError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('PORTFLOW_OPERATION_REF', message, options);
  }
}

/** A value cannot be encoded to cross a thread, process or store. */
export class ValueNotSerializableError extends PortflowError {
  override readonly name = 'ValueNotSerializableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('PORTFLOW_VALUE_NOT_SERIALIZABLE', message, options);
  }
}

/** A run id (to resume, show or replay) that the store does not hold. */
export class UnknownRunError extends PortflowError {
  override readonly name = 'UnknownRunError';

  constructor(message: string) {
    super('PORTFLOW_UNKNOWN_RUN', message);
  }
}

/** An output was asked for that the run does not hold: released after its consumers read it, or never produced. */
export class OutputUnavailableError extends PortflowError {
  override readonly name = 'OutputUnavailableError';

  constructor(
    code: 'PORTFLOW_OUTPUT_RELEASED' | 'PORTFLOW_OUTPUT_UNAVAILABLE',
    readonly operationId: string,
    readonly port: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }

  /** Output `port` of operation `operationId` was dropped during the run once its consumers had read it. */
  static released(operationId: string, port: string): OutputUnavailableError {
    return new OutputUnavailableError(
      'PORTFLOW_OUTPUT_RELEASED',
      operationId,
      port,
      `Output '${port}' of operation '${operationId}' was released during the run once its consumers had read it; declare it with graph.output(name, op, '${port}'), ask for it with run.output() before the run reaches it, or run with { retainOutputs: true } to keep it`,
    );
  }
}
