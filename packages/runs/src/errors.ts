import { PortflowError } from '@portflow/core';

/**
 * `submit` found the run manager full: `maxConcurrentRuns` executions
 * running and `maxQueuedRuns` waiting. Nothing was created, so submitting
 * again later is safe; `retryAfterMs` is a hint of when (an HTTP service
 * answers 429 with `Retry-After`).
 *
 * @example
 * ```ts
 * try { await manager.submit('etl', { day: '2024-06-01' }); } catch (e) {
 *   if (e instanceof QueueFullError) await new Promise((r) => setTimeout(r, e.retryAfterMs));
 * }
 * ```
 */
export class QueueFullError extends PortflowError {
  override readonly name = 'QueueFullError';

  constructor(
    /** The workflow whose execution was refused. */
    readonly workflow: string,
    /** Executions running when it was refused (the `maxConcurrentRuns` in use). */
    readonly running: number,
    /** Executions waiting when it was refused (the `maxQueuedRuns` limit). */
    readonly queued: number,
    /** A hint: milliseconds after which submitting again may succeed. */
    readonly retryAfterMs: number,
  ) {
    super(
      'PORTFLOW_QUEUE_FULL',
      `Cannot accept an execution of '${workflow}': ${running} executions are running and ${queued} are queued, the most this run manager accepts. ` +
        `Nothing was created; submit again in about ${Math.ceil(retryAfterMs / 1000)} s, or raise maxQueuedRuns / maxConcurrentRuns.`,
    );
  }
}

/**
 * `submit` named a workflow the run manager was not given. Nothing was
 * created; the message lists the workflows it knows.
 */
export class UnknownWorkflowError extends PortflowError {
  override readonly name = 'UnknownWorkflowError';

  constructor(
    /** The name asked for. */
    readonly workflow: string,
    /** The names the manager knows. */
    readonly known: readonly string[],
  ) {
    super(
      'PORTFLOW_UNKNOWN_WORKFLOW',
      `No workflow named '${workflow}' in this run manager; it knows ${known.length === 0 ? 'none' : known.map((n) => `'${n}'`).join(', ')}.`,
    );
  }
}

/**
 * `submit` was refused because the workflow does not allow concurrent
 * executions (`allowConcurrentExecution: false`), one is already running or
 * queued, and the workflow says `whenBusy: 'reject'`. Nothing was created.
 */
export class WorkflowBusyError extends PortflowError {
  override readonly name = 'WorkflowBusyError';

  constructor(
    /** The workflow. */
    readonly workflow: string,
    /** The execution already running or queued. */
    readonly activeExecutionId: string,
  ) {
    super(
      'PORTFLOW_WORKFLOW_BUSY',
      `Workflow '${workflow}' does not allow concurrent executions and execution '${activeExecutionId}' is not finished; nothing was created. ` +
        `Submit again once it ends, or set whenBusy: 'queue' to wait in line.`,
    );
  }
}

/** The run manager was used after `close()` began. Nothing was created. */
export class RunManagerClosedError extends PortflowError {
  override readonly name = 'RunManagerClosedError';

  constructor(action: string) {
    super('PORTFLOW_RUNS_CLOSED', `Cannot ${action}: the run manager is closing or closed. Create a new RunManager.`);
  }
}
