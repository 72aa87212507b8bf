import type { GraphProblem } from './graph-problem';

/**
 * Base class of every error Portflow throws. `code` is stable and meant for
 * programs; `message` says what went wrong, where, and how to fix it.
 */
export class PortflowError extends Error {
  /** Stable machine-readable code, e.g. `PORTFLOW_GRAPH_INVALID`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
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
  constructor(readonly reason: string) {
    super('PORTFLOW_CANCELLED', `Run cancelled: ${reason}`);
  }
}

/** An option passed to the engine or to a run is invalid. */
export class InvalidOptionsError extends PortflowError {
  constructor(
    readonly where: string,
    readonly problems: readonly string[],
  ) {
    super('PORTFLOW_INVALID_OPTIONS', `Invalid ${where}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A lookup named an operation or port that is not in the graph or result. */
export class UnknownOperationError extends PortflowError {
  constructor(message: string) {
    super('PORTFLOW_UNKNOWN_OPERATION', message);
  }
}
