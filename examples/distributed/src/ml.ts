/**
 * The ML example's training graph (examples/ml-training) on a distributed
 * engine: the same graph and inputs, only the engine differs. Its one
 * CPU-bound step, `train` (2,000 epochs of gradient descent by default),
 * runs as a BullMQ job on a `portflow worker` process; loading, splitting,
 * scaling, the baseline and the evaluation run in this process.
 */
import { randomUUID } from 'node:crypto';
import type { EngineEvent, ExecutionResult } from '@portflow/core';
import { createDistributedEngine } from '@portflow/distributed';
import { buildTrainingGraph, trainingInputs, type TrainingOptions, type TrainingOutputs } from '@portflow/example-ml-training/dist/training-graph';
import { BUILD_ID, deleteKeysUnder, EXAMPLE_DIR, QUEUE, startWorker, type WorkerProcess } from './example';

/** The module workers load: the ML example's build, where `Train` is declared to come from. */
export const TRAINING_MODULE = '@portflow/example-ml-training/dist/training-graph.js';

/** Options of {@link runTrainingOnWorkers}. */
export interface TrainingOnWorkersOptions extends Partial<TrainingOptions> {
  /** Redis URL. */
  readonly redis: string;
  /** Worker processes to start (default 2); 0: use workers already running under `prefix` (`portflow worker --require ${TRAINING_MODULE}`). */
  readonly workers: number;
  /** Key prefix. Default: a fresh one, whose keys are deleted at the end; with `workers: 0`, `portflow`, left as it is. */
  readonly prefix?: string;
  /** Aborting it cancels the run. */
  readonly signal?: AbortSignal;
  /** Every engine event, as it happens. */
  readonly onEvent?: (event: EngineEvent) => void;
  /** Lines to show (the workers' ready lines). */
  readonly log?: (line: string) => void;
}

/** What {@link runTrainingOnWorkers} found. */
export interface TrainingOutcome {
  readonly result: ExecutionResult;
  /** The graph's outputs (model, losses, metrics, baseline, summary) when it succeeded. */
  readonly outputs: TrainingOutputs | undefined;
  readonly workerPids: readonly number[];
  readonly prefix: string;
  readonly ms: number;
}

/**
 * Runs the training graph with `createDistributedEngine` (`cpu_bound` → queue
 * `cpu`) on `workers` worker processes it starts and stops.
 *
 * @example
 * ```ts
 * const { outputs } = await runTrainingOnWorkers({ redis: 'redis://127.0.0.1:6379', workers: 2, epochs: 300 });
 * console.log(outputs?.summary);
 * ```
 */
export async function runTrainingOnWorkers(options: TrainingOnWorkersOptions): Promise<TrainingOutcome> {
  const log = options.log ?? (() => undefined);
  const own = options.prefix === undefined && options.workers > 0;
  const prefix = options.prefix ?? (own ? `portflow-example-${process.pid}-${randomUUID().slice(0, 8)}` : 'portflow');
  const workers: WorkerProcess[] = [];
  try {
    const started = await Promise.allSettled(Array.from({ length: options.workers }, () => startWorker(options.redis, prefix, log, [TRAINING_MODULE])));
    for (const s of started) if (s.status === 'fulfilled') workers.push(s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    await using engine = createDistributedEngine({ connection: options.redis, prefix, buildId: BUILD_ID, root: EXAMPLE_DIR, queues: { cpu_bound: QUEUE } });
    const { redis: _redis, workers: _workers, prefix: _prefix, signal, onEvent, log: _log, ...training } = options;
    const t0 = performance.now();
    const run = engine.start(buildTrainingGraph().graph, { inputs: trainingInputs(training), retainOutputs: true, ...(signal === undefined ? {} : { signal }) });
    if (onEvent !== undefined) run.events$.subscribe(onEvent);
    const result = await run.result;
    return {
      result,
      outputs: result.status === 'succeeded' ? (result.outputs as TrainingOutputs) : undefined,
      workerPids: workers.map((w) => w.pid),
      prefix,
      ms: performance.now() - t0,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    if (own) await deleteKeysUnder(options.redis, prefix);
  }
}
