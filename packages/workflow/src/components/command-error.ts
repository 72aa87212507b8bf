import { PortflowError } from '@portflow/core';

/**
 * Why a `command` step failed:
 * - `not-found`: no such executable (or working directory, or script interpreter);
 * - `not-executable`: the file exists but may not be run;
 * - `spawn-failed`: the system refused to start it for another reason;
 * - `exit-code`: it exited with a code outside `success_codes`;
 * - `signal`: a signal ended it (not one the step sent);
 * - `missing-output`: it succeeded but a declared output file does not exist.
 */
export type CommandFailure = 'not-found' | 'not-executable' | 'spawn-failed' | 'exit-code' | 'signal' | 'missing-output';

/** What a {@link CommandError} knows besides its message. */
export interface CommandErrorDetails {
  /** The step's name. */
  readonly step: string;
  /** Where the step (or the param at fault) is written, e.g. `step 'train' (flow.yaml:12:16)`; default `step '<name>'`. */
  readonly location?: string;
  /** The executable as resolved (an absolute path, or `/bin/sh` with `shell: true`). */
  readonly executable: string;
  /** The exit code, when the program exited. */
  readonly exitCode?: number | null;
  /** The signal that ended the program. */
  readonly signal?: string | null;
  /** The last lines the command wrote to stderr. */
  readonly stderrTail?: readonly string[];
  /** For `missing-output`: the absolute paths that do not exist. */
  readonly missing?: readonly string[];
}


/**
 * A `command` step's process could not start, failed, or did not write
 * what it declared. The message names the step, the executable, the exit
 * code or signal, and ends with the last lines of stderr.
 *
 * @example
 * ```ts
 * const error = result.errors.find((e) => e.operationId === 'train')?.error;
 * if (error instanceof CommandError && error.failure === 'exit-code') console.error(error.exitCode, error.stderrTail);
 * ```
 */
export class CommandError extends PortflowError {
  override readonly name = 'CommandError';
  /** The step's name. */
  readonly step: string;
  /** The executable as resolved (an absolute path, or `/bin/sh` with `shell: true`). */
  readonly executable: string;
  /** The exit code, or null when the program did not exit by itself (not started, or ended by a signal). */
  readonly exitCode: number | null;
  /** The signal that ended the program (`SIGSEGV`...), or null. */
  readonly signal: string | null;
  /** The last lines (at most 20) the program wrote to stderr. */
  readonly stderrTail: readonly string[];
  /** For `missing-output`: the absolute paths that do not exist. */
  readonly missing: readonly string[];

  constructor(
    /** Why the step failed. */
    readonly failure: CommandFailure,
    message: string,
    details: CommandErrorDetails,
    options?: { cause?: unknown },
  ) {
    const tail = details.stderrTail ?? [];
    const stderr = tail.length === 0 ? '' : `\nLast ${tail.length === 1 ? 'line' : `${tail.length} lines`} of stderr:\n${tail.map((line) => `  ${line}`).join('\n')}`;
    const location = details.location ?? `step '${details.step}'`;
    super('PORTFLOW_COMMAND_FAILED', `${location.charAt(0).toUpperCase()}${location.slice(1)}: ${message}${stderr}`, options);
    this.step = details.step;
    this.executable = details.executable;
    this.exitCode = details.exitCode ?? null;
    this.signal = details.signal ?? null;
    this.stderrTail = tail;
    this.missing = details.missing ?? [];
  }
}
