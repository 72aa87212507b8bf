/** Fields every graph problem has. */
interface ProblemBase {
  /** A full sentence: what is wrong, where, and how to fix it. */
  readonly message: string;
}

/** Operations depend on each other in a loop. */
export interface CycleProblem extends ProblemBase {
  readonly kind: 'cycle';
  /** Operation ids along the cycle, first id repeated at the end: `['a', 'b', 'a']`. */
  readonly path: readonly string[];
}

/** A required input port has no incoming channel. */
export interface UnconnectedInputProblem extends ProblemBase {
  readonly kind: 'unconnected-input';
  readonly operationId: string;
  readonly port: string;
}

/** A channel names a port the operation does not have (or one facing the wrong way). */
export interface UnknownPortProblem extends ProblemBase {
  readonly kind: 'unknown-port';
  readonly operationId: string;
  readonly port: string;
  readonly direction: 'input' | 'output';
}

/** Two different operations in one graph share an id. */
export interface DuplicateIdProblem extends ProblemBase {
  readonly kind: 'duplicate-id';
  readonly operationId: string;
}

/** A single-source input port has more than one incoming channel. */
export interface MultipleSourcesProblem extends ProblemBase {
  readonly kind: 'multiple-sources';
  readonly operationId: string;
  readonly port: string;
  /** `operationId.port` of every source. */
  readonly sources: readonly string[];
}

/** Both ends of a channel have runtime types, and they cannot match. */
export interface TypeMismatchProblem extends ProblemBase {
  readonly kind: 'type-mismatch';
  readonly source: { readonly operationId: string; readonly port: string; readonly type: string };
  readonly target: { readonly operationId: string; readonly port: string; readonly type: string };
}

/** An operation's settings are invalid (e.g. a retry policy with `maxAttempts: 0`). */
export interface InvalidSettingsProblem extends ProblemBase {
  readonly kind: 'invalid-settings';
  readonly operationId: string;
}

/** The executor chosen for an operation's resource hint cannot run it (e.g. a worker pool and a closure). */
export interface ExecutorProblem extends ProblemBase {
  readonly kind: 'executor';
  readonly operationId: string;
  readonly resource: string;
}

/**
 * One problem found by `GraphDefinition.validate()`; a union discriminated on
 * `kind`.
 */
export type GraphProblem =
  | CycleProblem
  | UnconnectedInputProblem
  | UnknownPortProblem
  | DuplicateIdProblem
  | MultipleSourcesProblem
  | TypeMismatchProblem
  | InvalidSettingsProblem
  | ExecutorProblem;
