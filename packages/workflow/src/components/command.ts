import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  guard,
  Input,
  Operation,
  OperationOptions,
  Output,
  type ExecutionContext,
  type InputPort,
  type Inputs,
  type OutputPort,
  type Outputs,
} from '@portflow/core';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  Min,
  Validate,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { Component } from '../decorators/component';
import { reportWritten } from '../report-written';
import { StepInit, StepSource, WorkflowFile } from '../step-init';
import { CommandError } from './command-error';
import { resolveExecutable, spawnFailure, type CommandPlace } from './command-executable';
import { runProcess, type ProcessExit } from './command-process';

/** The shell that runs `command` when `shell: true`. */
const SHELL = '/bin/sh';
/** Lines of stderr quoted in the error of a failed command. */
const STDERR_TAIL_LINES = 20;

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };
const MAX_GRACE_MS = 3_600_000;

/** Milliseconds of a `grace_period`: a number of milliseconds, or `500ms`, `5s`, `1m`; undefined when invalid. */
function durationMs(value: unknown): number | undefined {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? parseUnit(DURATION.exec(value.trim())) : undefined;
  return ms !== undefined && Number.isFinite(ms) && ms >= 0 && ms <= MAX_GRACE_MS ? ms : undefined;
}

function parseUnit(match: RegExpExecArray | null): number | undefined {
  return match === null ? undefined : Number(match[1]) * UNIT_MS[match[2]!]!;
}

type Scalar = string | number | boolean;
const isScalar = (value: unknown): value is Scalar => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean';
const isMapping = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

@ValidatorConstraint({ name: 'commandArgs' })
class ArgsConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return Array.isArray(value) && value.every(isScalar);
  }
  defaultMessage(): string {
    return 'args must be a list of strings (numbers and booleans are passed as text), e.g. [--input, data/sales.csv]';
  }
}

@ValidatorConstraint({ name: 'commandEnv' })
class EnvConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return isMapping(value) && Object.values(value).every(isScalar);
  }
  defaultMessage(): string {
    return 'env must map variable names to strings (numbers and booleans are passed as text), e.g. { THREADS: 4 }';
  }
}

@ValidatorConstraint({ name: 'commandOutputs' })
class OutputsConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return isMapping(value) && Object.values(value).every((path) => typeof path === 'string' && path !== '');
  }
  defaultMessage(): string {
    return 'outputs must map names to file paths, e.g. { model: out/model.json }';
  }
}

@ValidatorConstraint({ name: 'gracePeriod' })
class GracePeriodConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return durationMs(value) !== undefined;
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be milliseconds (2000) or a duration such as '500ms', '5s' or '1m', at most one hour`;
  }
}

/** Params of `command`. */
export class CommandParams {
  /**
   * The program to run: a name looked up on PATH (`python3`), or a path,
   * which when relative is resolved against the workflow's directory
   * (`scripts/train.sh`). With `shell: true`, a shell script instead.
   */
  @IsString() @IsNotEmpty() command!: string;
  /** Arguments, passed as they are: no shell splits, expands or quotes them. With `shell: true`, the script's `$1`, `$2`, ... */
  @IsOptional() @Validate(ArgsConstraint) args: (string | number | boolean)[] = [];
  /** Run `command` as a script with `/bin/sh -c` (pipes, globs, `$VARS`). Off by default. */
  @IsOptional() @IsBoolean() shell: boolean = false;
  /** Environment variables, set over the inherited ones. */
  @IsOptional() @Validate(EnvConstraint) env: Record<string, string | number | boolean> = {};
  /** Whether the command inherits this process's environment; false starts from `env` alone. */
  @IsOptional() @IsBoolean() inherit_env: boolean = true;
  /** Working directory, relative to the workflow's directory. */
  @IsOptional() @IsString() @IsNotEmpty() cwd: string = '.';
  /** After SIGTERM (cancel, timeout), how long the process group has to exit before SIGKILL. */
  @IsOptional() @Validate(GracePeriodConstraint) grace_period: number | string = '5s';
  /** Bytes of stdout kept for the `stdout` output: the last ones. All of it is logged. */
  @IsOptional() @IsInt() @Min(0) max_stdout: number = 1_048_576;
  /** Exit codes that mean success. */
  @IsOptional() @IsArray() @ArrayNotEmpty() @IsInt({ each: true }) @Min(0, { each: true }) @Max(255, { each: true }) success_codes: number[] = [0];
  /** Files the command writes, by name, relative to its working directory: each must exist when it succeeds. */
  @IsOptional() @Validate(OutputsConstraint) outputs: Record<string, string> = {};
}

/** Output files of a `command` step, by name: absolute paths. */
const FilePaths = guard('FilePaths', (value: unknown): value is Readonly<Record<string, string>> => isMapping(value) && Object.values(value).every((path) => typeof path === 'string'));

/**
 * Runs an external program, like a shell step in CI or Airflow's
 * BashOperator, but without a shell unless `shell: true`: `args` reach the
 * program exactly as written. Its stdout and stderr are logged line by line
 * as they arrive (stdout at info, stderr at warn), so the CLI shows them
 * live. An exit code outside `success_codes` fails the step with the code
 * and the last 20 lines of stderr.
 *
 * The program leads a process group of its own. When the run is cancelled
 * or the step's `timeout` passes, the whole group (the program and anything
 * it started) gets SIGTERM, then SIGKILL after `grace_period`; the step
 * ends only once they have exited. Processes the program leaves running
 * when it exits are stopped the same way.
 *
 * Inputs: `stdin` (optional), written to the program's standard input:
 * text or bytes as they are, other values as JSON. In the pipeline form, a
 * `depends_on` step's main output feeds it, so commands chain like a shell
 * pipe. Outputs: `exit_code`, `stdout` (the main output; the last
 * `max_stdout` bytes), and `files`, the declared `outputs` as absolute paths.
 *
 * @example
 * ```yaml
 * - name: train
 *   operation: command
 *   timeout: 30m
 *   params:
 *     command: python3
 *     args: [scripts/train.py, --epochs, 10, --out, out/model.json]
 *     env: { PYTHONUNBUFFERED: "1" }
 *     outputs: { model: out/model.json }
 * ```
 */
@Component('command', {
  params: CommandParams,
  description: 'Runs a program (no shell unless asked), streaming its output; a non-zero exit fails the step',
  primaryOutput: 'stdout',
})
@OperationOptions({ resource: 'io_bound' })
export class Command extends Operation {
  /** Written to the program's standard input: text and bytes as they are, other values as JSON. */
  @Input(undefined, { optional: true }) stdin!: InputPort<unknown>;
  /** The exit code, one of `success_codes`. */
  @Output(Number) exit_code!: OutputPort<number>;
  /** What the program wrote to stdout: the last `max_stdout` bytes. */
  @Output(String) stdout!: OutputPort<string>;
  /** The declared `outputs`, by name, as absolute paths. */
  @Output(FilePaths) files!: OutputPort<Readonly<Record<string, string>>>;
  private readonly directory: string;
  private readonly cwd: string;
  private readonly gracePeriodMs: number;

  constructor(
    private readonly options: CommandParams,
    init: StepInit,
    file: WorkflowFile,
    private readonly source: StepSource,
  ) {
    super(init);
    this.directory = file.directory;
    this.cwd = file.resolve(options.cwd);
    this.gracePeriodMs = durationMs(options.grace_period)!;
  }

  /** Runs the program and settles once it, and its process group, have ended. */
  async execute({ stdin }: Inputs<Command>, context: ExecutionContext): Promise<Outputs<Command>> {
    const { options, cwd } = this;
    const step = this.id;
    const env = this.environment();
    const args = options.args.map(String);
    await this.requireWorkingDirectory();
    const executable = options.shell ? SHELL : await resolveExecutable(this.place('command'), options.command, env.PATH, this.directory);
    // With a shell, args become the script's positional parameters ($0 is the step name): never spliced into its text.
    const argv = options.shell ? ['-c', options.command, step, ...args] : args;
    throwIfAborted(context.signal);
    context.logger.debug(`running ${describeCommand(executable, argv)}`, { executable, args: argv, cwd });
    let exit: ProcessExit;
    try {
      exit = await runProcess({
        executable,
        args: argv,
        cwd,
        env,
        stdin: stdinValue(stdin),
        signal: context.signal,
        gracePeriodMs: this.gracePeriodMs,
        maxStdoutBytes: options.max_stdout,
        stderrTailLines: STDERR_TAIL_LINES,
        onLine: (stream, line) => (stream === 'stdout' ? context.logger.info(line, { stream }) : context.logger.warn(line, { stream })),
        onExit: (exitCode, signal) => context.logger.debug(`process exited with ${exitCode === null ? `signal ${signal}` : `code ${exitCode}`}`, { exitCode, signal }),
        onSignal: (signal, reason) => context.logger.debug(`sending ${signal} to the command's process group (${reason})`, { signal, reason }),
      });
    } catch (error) {
      throw await spawnFailure(this.place('command'), executable, error, this.directory);
    }
    const { pid, exitCode, signal, killed } = exit;
    context.logger.debug('command ended', { pid, exitCode, signal, killed, aborted: exit.aborted });
    if (exit.outputLeftOpen) context.logger.warn("a process outside the command's process group still held its output open; stopped reading it", { pid });
    if (exit.aborted) throw abortReason(context.signal);
    if (killed) context.logger.warn(`processes the command left running ignored SIGTERM and were killed after ${this.gracePeriodMs} ms`, { pid });
    if (exit.stdoutTruncated && options.max_stdout > 0) context.logger.warn(`stdout was ${exit.stdoutBytes} bytes; the stdout output keeps the last ${options.max_stdout} (raise max_stdout to keep more)`);
    const display = options.shell ? describeCommand('sh', ['-c', options.command, ...args]) : describeCommand(options.command, args);
    const details = { ...this.place(), executable, exitCode, signal, stderrTail: exit.stderrTail };
    if (exitCode === null) throw new CommandError('signal', `${display} was ended by signal ${signal ?? 'unknown'}.`, details);
    if (!options.success_codes.includes(exitCode)) {
      const expected = options.success_codes.length === 1 && options.success_codes[0] === 0 ? '' : ` (success_codes: ${options.success_codes.join(', ')})`;
      throw new CommandError('exit-code', `${display} exited with code ${exitCode}${expected}.`, details);
    }
    const files = await this.declaredOutputs(executable, exitCode);
    const paths = Object.values(files);
    if (paths.length > 0) reportWritten(context, ...paths);
    return { exit_code: exitCode, stdout: exit.stdout, files };
  }

  private environment(): NodeJS.ProcessEnv {
    const own = Object.fromEntries(Object.entries(this.options.env).map(([name, value]) => [name, String(value)]));
    return this.options.inherit_env ? { ...process.env, ...own } : own;
  }

  /** The step, and where the param at `paramPath` is written, for errors. */
  private place(...paramPath: (string | number)[]): CommandPlace {
    return { step: this.id, location: this.source.describe(...paramPath) };
  }

  private async requireWorkingDirectory(): Promise<void> {
    const info = await stat(this.cwd).catch(() => undefined);
    if (info?.isDirectory()) return;
    const problem = info === undefined ? 'does not exist' : 'is not a directory';
    throw new CommandError('not-found', `working directory ${this.cwd} ${problem} (cwd is resolved against the workflow's directory ${this.directory}).`, {
      ...this.place('cwd'),
      executable: this.options.command,
    });
  }

  /** The declared output files as absolute paths; a {@link CommandError} naming every one that does not exist. */
  private async declaredOutputs(executable: string, exitCode: number): Promise<Record<string, string>> {
    const files: Record<string, string> = {};
    const missing: [name: string, path: string][] = [];
    for (const [name, path] of Object.entries(this.options.outputs)) {
      const absolute = resolve(this.cwd, path);
      files[name] = absolute;
      if ((await stat(absolute).catch(() => undefined)) === undefined) missing.push([name, absolute]);
    }
    if (missing.length > 0) {
      throw new CommandError(
        'missing-output',
        `the command exited with code ${exitCode} but did not write its declared output${missing.length === 1 ? '' : 's'} ${missing.map(([name, path]) => `'${name}' (${path})`).join(', ')}. ` +
          `Paths in outputs are resolved against the command's working directory ${this.cwd}.`,
        { ...this.place('outputs', missing[0]![0]), executable, exitCode, missing: missing.map(([, path]) => path) },
      );
    }
    return files;
  }
}

/** What the `stdin` input holds, as the bytes to write: text and bytes as they are, other values as JSON. */
function stdinValue(value: unknown): string | Uint8Array | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** A command line for messages: arguments with spaces or quotes are quoted; long ones cut. */
function describeCommand(executable: string, args: readonly string[]): string {
  const text = [executable, ...args].map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortReason(signal);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new Error('command aborted');
}
