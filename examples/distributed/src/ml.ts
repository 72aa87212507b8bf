/**
 * The ML example's training graph (examples/ml-training) on a distributed
 * engine: the same graph and inputs, only the engine differs. Its one
 * CPU-bound step, `train` (2,000 epochs of gradient descent by default),
 * runs as a BullMQ job on a `portflow worker` process; loading, splitting,
 * scaling, the baseline and the evaluation run in this process.
 */
import type { ExecutionResult } from '@portflow/core';
import { buildTrainingGraph, trainingInputs, type TrainingOptions, type TrainingOutputs } from '@portflow/example-ml-training/dist/training-graph';
import { withWorkers, type FleetOptions } from './example';

/** The module workers load: the ML example's build, where `Train` is declared to come from. */
export const TRAINING_MODULE = '@portflow/example-ml-training/dist/training-graph.js';

/** Options of {@link runTrainingOnWorkers}: the training options and the fleet's (with `workers: 0`, workers already running need `--require ${TRAINING_MODULE}`). */
export interface TrainingOnWorkersOptions extends Partial<TrainingOptions>, FleetOptions {}

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
  return withWorkers(options, [TRAINING_MODULE], async (engine, fleet) => {
    const { redis: _redis, workers: _workers, prefix: _prefix, signal, onEvent, log: _log, ...training } = options;
    const t0 = performance.now();
    const run = engine.start(buildTrainingGraph().graph, { inputs: trainingInputs(training), retainOutputs: true, ...(signal === undefined ? {} : { signal }) });
    if (onEvent !== undefined) run.events$.subscribe(onEvent);
    const result = await run.result;
    return { result, outputs: result.status === 'succeeded' ? (result.outputs as TrainingOutputs) : undefined, ...fleet, ms: performance.now() - t0 };
  });
}
