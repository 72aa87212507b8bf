import { defineOperation, GraphDefinition, port } from '@portflow/core';
import { DatasetType, pick, seededRandom, shuffledIndices, syntheticBlobs, type Dataset } from './dataset';
import { evaluate, fitScaler, gradientStep, scale, type Metrics, type Model, type Scaler } from './logistic-regression';

/** Yields to the event loop, so that Ctrl-C and other runs get in between epochs. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** How to make the synthetic dataset. */
export interface DatasetSpec {
  samples: number;
  dimensions: number;
  separation: number;
  positiveRate: number;
  seed: number;
}

const data = port<Dataset>(DatasetType);

/** Makes the synthetic dataset (in a real pipeline: reads it from storage). */
export const LoadData = defineOperation('ml.load', { inputs: { spec: port<DatasetSpec>() }, outputs: { data } }, async ({ spec }, context) => {
  await nextTurn(); // stands in for I/O
  const loaded = syntheticBlobs(spec);
  context.logger.info('loaded', { samples: loaded.labels.length });
  return { data: loaded };
});

/** Shuffles with a seed and splits off a test set. */
export const Split = defineOperation('ml.split', { inputs: { data, testFraction: Number, seed: Number }, outputs: { train: data, test: data } }, ({ data, testFraction, seed }) => {
  const order = shuffledIndices(data.labels.length, seededRandom(seed));
  const cut = Math.round(order.length * (1 - testFraction));
  return { train: pick(data, order.slice(0, cut)), test: pick(data, order.slice(cut)) };
});

/** Learns per-feature mean and standard deviation from the training set only. */
export const FitScaler = defineOperation('ml.fit-scaler', { inputs: { train: data }, outputs: { scaler: port<Scaler>() } }, ({ train }) => ({ scaler: fitScaler(train) }));

/**
 * Logistic regression by full-batch gradient descent. Reports progress every
 * epoch, with the epoch and loss as data, and stops at once when the run is
 * cancelled.
 */
export const Train = defineOperation(
  'ml.train',
  {
    inputs: { train: data, scaler: port<Scaler>(), epochs: Number, learningRate: Number },
    outputs: { model: port<Model>(), losses: port<number[]>(Array) },
    resource: 'cpu_bound',
    description: 'logistic regression, gradient descent',
    // Where other processes load it from (a distributed engine's workers, examples/distributed): this package's build.
    module: '@portflow/example-ml-training/dist/training-graph.js',
    export: 'Train',
  },
  async ({ train, scaler, epochs, learningRate }, context) => {
    const scaled = scale(train, scaler);
    let model: Model = { weights: new Array<number>(scaled.features[0]?.length ?? 0).fill(0), bias: 0 };
    const losses: number[] = [];
    for (let epoch = 1; epoch <= epochs; epoch++) {
      context.signal.throwIfAborted();
      const step = gradientStep(model, scaled, learningRate);
      model = step.model;
      losses.push(step.loss);
      context.reportProgress(epoch / epochs, { message: `epoch ${epoch}/${epochs} loss ${step.loss.toFixed(4)}`, data: { epoch, loss: step.loss } });
      await nextTurn();
    }
    return { model, losses };
  },
);

/** Scores the model on the held-out test set. */
export const Evaluate = defineOperation('ml.evaluate', { inputs: { model: port<Model>(), scaler: port<Scaler>(), test: data }, outputs: { metrics: port<Metrics>() } }, ({ model, scaler, test }) => ({
  metrics: evaluate(model, scale(test, scaler)),
}));

/** What always predicting the training set's majority class scores; runs alongside training. */
export const Baseline = defineOperation('ml.baseline', { inputs: { train: data, test: data }, outputs: { metrics: port<Metrics>() } }, ({ train, test }) => {
  const majority = train.labels.filter((y) => y === 1).length * 2 >= train.labels.length ? 1 : 0;
  const model: Model = { weights: new Array<number>(test.features[0]?.length ?? 0).fill(0), bias: majority === 1 ? 10 : -10 };
  return { metrics: evaluate(model, test) };
});

/** One line comparing the model to the baseline. */
export const Compare = defineOperation('ml.compare', { inputs: { model: port<Metrics>(), baseline: port<Metrics>() }, outputs: { summary: String } }, ({ model, baseline }) => {
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  return {
    summary:
      `test accuracy ${pct(model.accuracy)} (baseline ${pct(baseline.accuracy)}), ` +
      `precision ${pct(model.precision)}, recall ${pct(model.recall)}, log loss ${model.logLoss.toFixed(4)} on ${model.examples} examples`,
  };
});

/** Options of a training run. */
export interface TrainingOptions extends DatasetSpec {
  testFraction: number;
  epochs: number;
  learningRate: number;
}

export const DEFAULT_OPTIONS: TrainingOptions = {
  samples: 20_000,
  dimensions: 4,
  separation: 1.5,
  positiveRate: 0.4,
  testFraction: 0.25,
  epochs: 2000,
  learningRate: 0.5,
  seed: 42,
};

/** The graph's inputs: what a run is given. */
export interface TrainingInputs {
  dataset: DatasetSpec;
  testFraction: number;
  epochs: number;
  learningRate: number;
  seed: number;
}

/** The graph's outputs: what a run gives back. */
export interface TrainingOutputs {
  model: Model;
  losses: number[];
  metrics: Metrics;
  baseline: Metrics;
  summary: string;
}

/** The inputs of a run with `options` (defaults filled in). */
export function trainingInputs(options: Partial<TrainingOptions> = {}): TrainingInputs {
  const { testFraction, epochs, learningRate, seed, samples, dimensions, separation, positiveRate } = { ...DEFAULT_OPTIONS, ...options };
  return { dataset: { samples, dimensions, separation, positiveRate, seed }, testFraction, epochs, learningRate, seed };
}

/**
 * load -> split; split's train set -> fitScaler, train, baseline; split's test
 * set -> evaluate, baseline; fitScaler -> train, evaluate; train -> evaluate;
 * evaluate, baseline -> compare. `baseline` runs alongside `fitScaler` and
 * `train`. Run it with `engine.run(graph, { inputs: trainingInputs(options) })`.
 */
export function buildTrainingGraph() {
  const graph = new GraphDefinition<TrainingInputs, TrainingOutputs>({ name: 'ml-training', requireIds: true });
  const load = new LoadData({ id: 'load' });
  const split = new Split({ id: 'split' });
  const scaler = new FitScaler({ id: 'fitScaler' });
  const train = new Train({ id: 'train' });
  const evaluation = new Evaluate({ id: 'evaluate' });
  const baseline = new Baseline({ id: 'baseline' });
  const compare = new Compare({ id: 'compare' });
  graph.connect(graph.input('dataset'), 'value', load, 'spec');
  graph.connect(graph.input('testFraction', Number), 'value', split, 'testFraction');
  graph.connect(graph.input('seed', Number), 'value', split, 'seed');
  graph.connect(graph.input('epochs', Number), 'value', train, 'epochs');
  graph.connect(graph.input('learningRate', Number), 'value', train, 'learningRate');
  graph.connect(load, 'data', split, 'data');
  graph.connect(split, 'train', scaler, 'train');
  graph.connect(split, 'train', train, 'train');
  graph.connect(scaler, 'scaler', train, 'scaler');
  graph.connect(train, 'model', evaluation, 'model');
  graph.connect(scaler, 'scaler', evaluation, 'scaler');
  graph.connect(split, 'test', evaluation, 'test');
  graph.connect(split, 'train', baseline, 'train');
  graph.connect(split, 'test', baseline, 'test');
  graph.connect(evaluation, 'metrics', compare, 'model');
  graph.connect(baseline, 'metrics', compare, 'baseline');
  graph.output('model', train, 'model').output('losses', train, 'losses');
  graph.output('metrics', evaluation, 'metrics').output('baseline', baseline, 'metrics').output('summary', compare, 'summary');
  return { graph, train, evaluation, baseline, compare };
}
