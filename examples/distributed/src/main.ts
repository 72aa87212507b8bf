#!/usr/bin/env node
/**
 * `npm start -w @portflow/example-distributed -- [--chunks 8] [--chunk-size 1000000]
 * [--workers 2] [--redis URL] [--prefix P]`: counts the primes below
 * chunks × chunk-size on worker processes over Redis, and prints which
 * worker ran which range.
 *
 * `npm start -w @portflow/example-distributed -- --graph ml [--epochs 2000]
 * [--workers 2] [--redis URL] [--prefix P]`: runs the ML example's training
 * graph with its training step on a worker process, printing progress every
 * tenth of the epochs. Ctrl-C cancels the run.
 */
import { availableParallelism } from 'node:os';
import type { EngineEvent } from '@portflow/core';
import { runDistributedExample, type ExampleOptions } from './example';
import { runTrainingOnWorkers } from './ml';

/** `--name value` from the command line. */
function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

function count(argv: readonly string[], name: string, fallback: number, min: number): number {
  const raw = option(argv, name);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number >= ${min} (got ${raw})`);
  return value;
}

/** Parses the command line. */
export function parseArgs(argv: readonly string[]): ExampleOptions {
  const prefix = option(argv, 'prefix');
  return {
    redis: option(argv, 'redis') ?? process.env.PORTFLOW_REDIS ?? 'redis://127.0.0.1:6379',
    workers: count(argv, 'workers', 2, 0),
    chunks: count(argv, 'chunks', 8, 1),
    chunkSize: count(argv, 'chunk-size', 1_000_000, 1),
    ...(prefix === undefined ? {} : { prefix }),
  };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const graph = option(argv, 'graph') ?? 'primes';
  let options: ExampleOptions;
  let epochs: number;
  try {
    if (graph !== 'primes' && graph !== 'ml') throw new Error(`--graph must be primes or ml (got ${graph})`);
    options = parseArgs(argv);
    epochs = count(argv, 'epochs', 2000, 1);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const controller = new AbortController();
  const onSigint = (): void => {
    console.error('Ctrl-C: cancelling the run (press again to exit at once)');
    process.once('SIGINT', () => process.exit(130));
    controller.abort('interrupted (Ctrl-C)');
  };
  process.once('SIGINT', onSigint);
  const t0 = performance.now();
  const onEvent = (e: EngineEvent): void => {
    const at = `${((performance.now() - t0) / 1000).toFixed(2).padStart(6)} s`;
    if (e.type === 'OperationProgress' && e.message === 'started') console.log(`${at}  started   ${e.operationId} on worker pid ${String((e.data as { pid?: number } | undefined)?.pid)}`);
    else if (e.type === 'OperationCompleted') console.log(`${at}  completed ${e.operationId}`);
  };
  if (graph === 'ml') return training(options, epochs, controller.signal, t0).finally(() => process.off('SIGINT', onSigint));
  console.log(`Counting the primes below ${(options.chunks * options.chunkSize).toLocaleString('en-US')} in ${options.chunks} ranges on ${options.workers === 0 ? 'running' : options.workers} worker process(es), Redis ${options.redis}`);
  try {
    const outcome = await runDistributedExample({ ...options, signal: controller.signal, onEvent, log: (line) => console.log(line) });
    console.log('');
    console.log('range      numbers                    primes  worker');
    for (const row of outcome.rows) {
      console.log(`${row.id.padEnd(10)} [${row.from.toLocaleString('en-US')}, ${row.to.toLocaleString('en-US')})`.padEnd(38) + `${row.count === undefined ? '-' : row.count.toLocaleString('en-US')}`.padStart(10) + `  ${row.worker ?? '-'}`);
    }
    const byWorker = new Map<string, number>();
    for (const row of outcome.rows) if (row.worker !== undefined) byWorker.set(row.worker, (byWorker.get(row.worker) ?? 0) + 1);
    console.log(`\nranges per worker: ${[...byWorker].map(([w, n]) => `${w}: ${n}`).join(', ')} (this machine has ${availableParallelism()} cores)`);
    const { result } = outcome;
    if (result.status === 'succeeded') console.log(`primes below ${(options.chunks * options.chunkSize).toLocaleString('en-US')}: ${outcome.total!.toLocaleString('en-US')} (${(outcome.ms / 1000).toFixed(2)} s)`);
    else console.log(`run ${result.status}: ${result.getErrorMessage() ?? ''}`);
    return result.status === 'succeeded' ? 0 : result.status === 'cancelled' ? 130 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** `--graph ml`: the ML example's training graph, `train` on a worker. */
async function training(options: ExampleOptions, epochs: number, signal: AbortSignal, t0: number): Promise<number> {
  const at = (): string => `${((performance.now() - t0) / 1000).toFixed(2).padStart(6)} s`;
  let shown = 0;
  const onEvent = (e: EngineEvent): void => {
    if (e.type === 'OperationStarted' && !e.operationId.startsWith('input.')) console.log(`${at()}  started   ${e.operationId}${e.operationId === 'train' ? ' (a job on the workers)' : ''}`);
    else if (e.type === 'OperationCompleted' && !e.operationId.startsWith('input.')) console.log(`${at()}  completed ${e.operationId}`);
    else if (e.type === 'OperationProgress' && e.operationId === 'train' && e.fraction >= (shown + 1) / 10) {
      shown = Math.floor(e.fraction * 10);
      console.log(`${at()}  train     ${e.message ?? ''}`);
    }
  };
  console.log(`Training the ML example's model (${epochs} epochs) with its training step on ${options.workers === 0 ? 'running' : options.workers} worker process(es), Redis ${options.redis}`);
  const outcome = await runTrainingOnWorkers({ redis: options.redis, workers: options.workers, ...(options.prefix === undefined ? {} : { prefix: options.prefix }), epochs, signal, onEvent, log: (line) => console.log(line) });
  const { result } = outcome;
  if (result.status === 'succeeded') console.log(`\n${outcome.outputs!.summary} (${(outcome.ms / 1000).toFixed(2)} s)`);
  else console.log(`run ${result.status}: ${result.getErrorMessage() ?? ''}`);
  return result.status === 'succeeded' ? 0 : result.status === 'cancelled' ? 130 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
