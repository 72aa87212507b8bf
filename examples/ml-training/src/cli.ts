import { ExecutionEngine, type EngineEvent, type ExecutionResult } from '@portflow/core';
import { buildTrainingGraph, DEFAULT_OPTIONS, trainingInputs, type TrainingOptions } from './training-graph';

/** Where the CLI writes. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: Output = { out: (line) => console.log(line), err: (line) => console.error(line) };

export const USAGE = `usage: ml-training [--epochs=N] [--samples=N] [--dimensions=N] [--separation=X] [--learning-rate=X] [--seed=N]
defaults: ${JSON.stringify(DEFAULT_OPTIONS)}
Ctrl-C cancels the run.`;

const FLAGS: Record<string, keyof TrainingOptions> = {
  epochs: 'epochs',
  samples: 'samples',
  dimensions: 'dimensions',
  separation: 'separation',
  'learning-rate': 'learningRate',
  seed: 'seed',
};

/** `--epochs=50 --seed=7` -> `{ epochs: 50, seed: 7 }`; throws with the usage on anything else. */
export function parseArgs(argv: readonly string[]): Partial<TrainingOptions> {
  const options: Partial<TrainingOptions> = {};
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(.+)$/.exec(arg);
    const key = match ? FLAGS[match[1]!] : undefined;
    const value = match ? Number(match[2]) : NaN;
    if (key === undefined || !Number.isFinite(value) || value <= 0) throw new Error(`bad argument '${arg}'\n${USAGE}`);
    options[key] = value;
  }
  return options;
}

/** Prints events as they come; progress only at every tenth, so a long training stays readable. */
export function eventPrinter(print: (line: string) => void): (event: EngineEvent) => void {
  let start = 0;
  const tenths = new Map<string, number>();
  return (e) => {
    if (e.type === 'RunStarted') start = e.timestamp;
    // The graph's inputs are operations too, done in no time: not worth a line each.
    if ('operationId' in e && e.operationId.startsWith('input.')) return;
    const at = `[${String(e.timestamp - start).padStart(5)} ms]`;
    switch (e.type) {
      case 'RunStarted':
        return print(`${at} run ${e.runId} started: ${e.operationCount} operations`);
      case 'OperationStarted':
        return print(`${at}   started    ${e.operationId}`);
      case 'OperationProgress': {
        const tenth = Math.floor(e.fraction * 10);
        if (tenth <= (tenths.get(e.operationId) ?? -1)) return;
        tenths.set(e.operationId, tenth);
        return print(`${at}   progress   ${e.operationId} ${String(Math.round(e.fraction * 100)).padStart(3)}% ${e.message ?? ''}`);
      }
      case 'OperationCompleted':
        return print(`${at}   completed  ${e.operationId} in ${e.durationMs} ms -> ${Object.entries(e.outputs).map(([port, type]) => `${port}: ${type}`).join(', ')}`);
      case 'OperationFailed':
        return print(`${at}   failed     ${e.operationId} (attempt ${e.attempt}): ${e.error.message}${e.willRetry ? ', will retry' : ''}`);
      case 'OperationRetrying':
        return print(`${at}   retrying   ${e.operationId} in ${e.delayMs} ms`);
      case 'OperationSkipped':
      case 'OperationCancelled':
        return print(`${at}   ${e.type === 'OperationSkipped' ? 'skipped  ' : 'cancelled'}  ${e.operationId}: ${e.reason}`);
      case 'RunCompleted':
        return print(`${at} run ${e.status}${e.reason ? ` (${e.reason})` : ''}: ${JSON.stringify(e.counts)}`);
    }
  };
}

/** A table of what happened to each operation. */
export function operationTable(result: ExecutionResult<object>): string[] {
  const steps = result.operations.filter((op) => !op.operationId.startsWith('input.'));
  const width = Math.max(...steps.map((op) => op.operationId.length));
  return steps.map((op) => `  ${op.operationId.padEnd(width)} ${op.status.padEnd(10)} attempts ${op.attempts}  ${op.durationMs === null ? '-' : `${op.durationMs} ms`}`);
}

/** Runs the training graph; returns the exit code (0 succeeded, 1 failed, 130 cancelled, 2 bad arguments). */
export async function runCli(argv: readonly string[], output: Output = consoleOutput): Promise<number> {
  let options: Partial<TrainingOptions>;
  try {
    options = parseArgs(argv);
  } catch (error) {
    output.err((error as Error).message);
    return 2;
  }
  const { graph } = buildTrainingGraph();
  await using engine = new ExecutionEngine({ maxParallel: 4 });
  const controller = new AbortController();
  const onSigint = (): void => {
    output.err('Ctrl-C: cancelling the run (press again to exit at once)');
    controller.abort('interrupted (Ctrl-C)');
  };
  process.once('SIGINT', onSigint);
  try {
    const run = engine.start(graph, { inputs: trainingInputs(options), signal: controller.signal });
    run.events$.subscribe(eventPrinter(output.out));
    const result = await run.result;
    output.out('');
    if (result.isSuccessful()) {
      const { summary, losses } = result.outputs;
      output.out(summary);
      output.out(`training loss ${losses[0]!.toFixed(4)} -> ${losses.at(-1)!.toFixed(4)} over ${losses.length} epochs`);
    } else {
      output.out(result.getErrorMessage()!);
    }
    for (const line of operationTable(result)) output.out(line);
    return result.status === 'succeeded' ? 0 : result.status === 'cancelled' ? 130 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
