import { createLogger, ExecutionEngine, isPortflowError, type EngineOptions, type RunOptions } from '@portflow/core';
import { checkpointsIn, type RunStore } from '@portflow/store';
import { openStore, storeLocation } from './store-location';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { JsonReporter } from '../reporters/json-reporter';
import { PlainReporter } from '../reporters/plain-reporter';
import type { Reporter } from '../reporters/reporter';
import { TtyReporter } from '../reporters/tty-reporter';
import { colorsFor, type Terminal } from '../terminal';
import { checkWorkflowFile, InputError, renderProblems, type WorkflowInputOptions } from '../workflow-input';

/** Options of `portflow run`. */
export interface RunCommandOptions extends WorkflowInputOptions {
  maxParallel?: string;
  json?: boolean;
  progress?: boolean;
  color?: boolean;
  verbose?: boolean;
  /** Where to record the run (`--store`); false with `--no-store` (true or undefined: the default place). */
  store?: string | boolean;
  /** `--resume [id]`: a run id, or true for the latest unfinished run. */
  resume?: string | true;
  /** `--rerun a,b`: steps to run again (with everything downstream) while resuming. */
  rerun?: string;
  /** `--checkpoint`: `step` (default), `off`, or an interval such as `30s`. */
  checkpoint?: string;
}

/** Where SIGINT and SIGTERM come from (the process, or a test double). */
export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/**
 * `portflow run`: loads the workflow, runs it with the chosen display and
 * returns the exit code. The first SIGINT/SIGTERM cancels the run (running
 * steps see their signal abort, the summary still prints); a second one
 * exits at once.
 */
export async function runCommand(file: string, options: RunCommandOptions, terminal: Terminal, signals: SignalSource, forceExit: (code: number) => void): Promise<ExitCode> {
  const check = checkWorkflowFile(file, options, terminal);
  if (!check.ok) {
    if (options.json) terminal.stdout.write(`${JSON.stringify({ type: 'WorkflowInvalid', file, problems: check.problems })}\n`);
    else terminal.stderr.write(renderProblems(check, colorsFor(terminal.stderr, terminal.env, options.color !== false)));
    return EXIT_CODES.invalidInput;
  }
  const workflow = check.workflow;
  const engineOptions: EngineOptions = { ...workflow.engineOptions };
  if (options.maxParallel !== undefined) {
    const n = Number(options.maxParallel);
    if (!Number.isInteger(n) || n < 1) throw new InputError(`portflow: --max-parallel must be a whole number >= 1, not '${options.maxParallel}'`);
    engineOptions.maxParallel = n;
  }
  if (options.store === false && (options.resume !== undefined || options.rerun !== undefined)) {
    throw new InputError('portflow: --resume and --rerun need a run store; drop --no-store');
  }
  const rerun = options.rerun === undefined ? undefined : options.rerun.split(',').map((s) => s.trim()).filter(Boolean);
  if (rerun !== undefined && rerun.length === 0) throw new InputError('portflow: --rerun needs step names, e.g. --rerun clean,summarize');
  const checkpoint = checkpointMode(options.checkpoint);
  if (options.store === false && checkpoint !== undefined) throw new InputError('portflow: --checkpoint needs a run store; drop --no-store');
  const location = options.store === false ? undefined : storeLocation(typeof options.store === 'string' ? options.store : undefined, terminal.env, file);
  const runs: RunStore | undefined = location === undefined ? undefined : await openStore(location);
  const recording: Pick<RunOptions, 'store' | 'resume' | 'rerun' | 'checkpoint'> =
    runs === undefined
      ? {}
      : {
          store: checkpointsIn(runs),
          ...(options.resume !== undefined || rerun !== undefined ? { resume: options.resume === undefined || options.resume === true ? 'latest' : options.resume } : {}),
          ...(rerun === undefined ? {} : { rerun }),
          ...(checkpoint === undefined ? {} : { checkpoint }),
        };
  const reporter = chooseReporter(options, terminal);
  const engine = new ExecutionEngine({ ...engineOptions, logger: createLogger((entry) => reporter.onLog(entry), options.verbose ? 'debug' : 'info') });
  const controller = new AbortController();
  let interrupts = 0;
  const listeners = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const listener = (): void => {
      interrupts++;
      if (interrupts === 1) {
        reporter.onCancelRequested(signal);
        controller.abort(new Error(`${signal} received`));
      } else {
        reporter.abort();
        terminal.stderr.write(`portflow: ${signal} again, exiting without waiting for running steps\n`);
        forceExit(EXIT_CODES.cancelled);
      }
    };
    signals.on(signal, listener);
    return { signal, listener };
  });
  try {
    reporter.begin(workflow);
    let run;
    try {
      run = engine.start(workflow.graph, { variables: workflow.variables, signal: controller.signal, ...recording });
    } catch (error) {
      throw new InputError(`portflow: ${error instanceof Error ? error.message : String(error)}`);
    }
    const subscription = run.events$.subscribe((event) => reporter.onEvent(event));
    let result;
    try {
      result = await run.result;
    } catch (error) {
      // The store could not open the run (an unknown --resume id, say): nothing ran.
      subscription.unsubscribe();
      reporter.abort();
      throw new InputError(`portflow: ${isPortflowError(error) || error instanceof Error ? error.message : String(error)}`);
    }
    subscription.unsubscribe();
    reporter.finish(result);
    if (location !== undefined && result.status !== 'succeeded' && !options.json) {
      terminal.stderr.write(`Recorded as run ${result.runId} in ${location}; continue it with: portflow run ${file} --resume\n`);
    }
    return result.status === 'succeeded' ? EXIT_CODES.success : result.status === 'cancelled' ? EXIT_CODES.cancelled : EXIT_CODES.workflowFailed;
  } finally {
    for (const { signal, listener } of listeners) signals.off(signal, listener);
    await engine.close();
    await runs?.close();
  }
}

function chooseReporter(options: RunCommandOptions, terminal: Terminal): Reporter {
  if (options.json) return new JsonReporter(terminal.stdout);
  const colors = colorsFor(terminal.stdout, terminal.env, options.color !== false);
  // A terminal that reports 0 columns (some CI runners and pseudo-terminals) gets plain lines: the live frame would draw nothing.
  if (terminal.stdout.isTTY === true && options.progress !== false && terminal.env.CI === undefined && terminal.stdout.columns !== 0) {
    return new TtyReporter(terminal.stdout as NodeJS.WriteStream, colors);
  }
  return new PlainReporter(terminal.stdout, colors);
}

/** `--checkpoint step | off | <n>ms|s|m|h`: when the run hands its records to the store. */
function checkpointMode(text: string | undefined): RunOptions['checkpoint'] {
  if (text === undefined) return undefined;
  const value = text.trim();
  if (value === 'step') return 'operation';
  if (value === 'off') return 'off';
  const match = /^(\d+)(ms|s|m|h)$/.exec(value);
  if (match === null || Number(match[1]) === 0) {
    throw new InputError(`portflow: --checkpoint must be 'step' (after each step, the default), 'off', or an interval such as 30s or 5m, not '${text}'`);
  }
  return { everyMs: Number(match[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'] };
}
