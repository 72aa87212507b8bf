import { GraphValidationError, PortflowError, type InvalidSettingsProblem } from '@portflow/core';

/** One operation that cannot run on a worker thread, and why. */
export interface WorkerProblem {
  readonly operationId: string;
  /** The operation's class. */
  readonly className: string;
  /** Each reason is a sentence with its fix. */
  readonly reasons: readonly string[];
  /** All of it in one sentence block, as shown in the error message. */
  readonly message: string;
}

/**
 * Operations of a resource class that runs on worker threads are not
 * worker-capable. Thrown before the run starts (by `validateForWorkers`, and
 * by a `WorkerEngine`'s `run`/`start`); it is a `GraphValidationError`, so
 * code that handles invalid graphs handles it too. Each problem says how to
 * fix it: declare the class with `@WorkerOperation(__filename)` (or
 * `@OperationOptions({ module })`), keep its configuration in params so that
 * a worker can construct it from its ref, or opt out with `@MainThread()` /
 * `runOnMainThread(op)`.
 */
export class WorkerCapabilityError extends GraphValidationError {
  override readonly name: string = 'WorkerCapabilityError';

  readonly workerProblems: readonly WorkerProblem[];

  constructor(graphName: string, problems: readonly WorkerProblem[]) {
    super(
      graphName,
      problems.map((p): InvalidSettingsProblem => ({ kind: 'invalid-settings', operationId: p.operationId, message: p.message })),
    );
    this.workerProblems = problems;
  }
}

/** How a worker thread died. */
export type WorkerCrashKind = 'exit' | 'uncaught_exception' | 'out_of_memory';

/**
 * The worker thread running an attempt died: the operation called
 * `process.exit`, an exception escaped it (e.g. thrown from a timer), or it
 * ran out of its heap (`memory_bound` operations run with a heap cap). Only
 * that attempt fails; the pool replaces the thread and the operation is
 * retried per its retry policy. `cause` is the error the thread died with.
 */
export class WorkerCrashError extends PortflowError {
  override readonly name = 'WorkerCrashError';

  constructor(
    readonly operationId: string,
    readonly attempt: number,
    readonly kind: WorkerCrashKind,
    cause: unknown,
  ) {
    const what =
      kind === 'out_of_memory'
        ? 'ran out of memory (its heap is capped by resourceLimits; raise memoryLimitMb or process the data in smaller pieces)'
        : kind === 'exit'
          ? `exited (${cause instanceof Error ? cause.message : String(cause)}); operations must not call process.exit`
          : `crashed with an uncaught exception: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`;
    super(
      'PORTFLOW_WORKER_CRASHED',
      `Operation '${operationId}' attempt ${attempt}: its worker thread ${what}. The pool replaced the thread; the attempt is retried per the operation's retry policy.`,
      { cause },
    );
  }
}

/** Classifies the error piscina rejects a task with when its thread dies. @internal */
export function crashKind(error: unknown): WorkerCrashKind {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return 'out_of_memory';
  if (error instanceof Error && /^worker exited with code/i.test(error.message)) return 'exit';
  return 'uncaught_exception';
}
