/**
 * What `portflow` exits with. Scripts can tell a workflow that ran and failed
 * from one that never started.
 */
export const EXIT_CODES = Object.freeze({
  /** The command did what it was asked; the workflow succeeded or is valid. */
  success: 0,
  /** The workflow ran and at least one step failed. */
  workflowFailed: 1,
  /** The input was wrong: bad arguments, a missing file, an invalid workflow or plugin. */
  invalidInput: 2,
  /** The run was cancelled (Ctrl-C / SIGINT or SIGTERM): 128 + SIGINT. */
  cancelled: 130,
});

/** One of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
