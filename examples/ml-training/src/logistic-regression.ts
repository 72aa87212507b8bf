import type { Dataset } from './dataset';

/** A fitted logistic regression: p(y = 1 | x) = sigmoid(w·x + b). */
export interface Model {
  readonly weights: readonly number[];
  readonly bias: number;
}

/** Per-feature mean and standard deviation of the training set. */
export interface Scaler {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** How well a model does on a dataset. */
export interface Metrics {
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly logLoss: number;
  readonly examples: number;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export function fitScaler(data: Dataset): Scaler {
  const d = data.features[0]?.length ?? 0;
  const n = data.features.length;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const x of data.features) for (let j = 0; j < d; j++) mean[j]! += x[j]! / n;
  for (const x of data.features) for (let j = 0; j < d; j++) std[j]! += (x[j]! - mean[j]!) ** 2 / n;
  return { mean, std: std.map((v) => Math.sqrt(v) || 1) };
}

export function scale(data: Dataset, scaler: Scaler): Dataset {
  return { features: data.features.map((x) => x.map((v, j) => (v - scaler.mean[j]!) / scaler.std[j]!)), labels: data.labels };
}

export function probability(model: Model, x: readonly number[]): number {
  let z = model.bias;
  for (let j = 0; j < x.length; j++) z += model.weights[j]! * x[j]!;
  return sigmoid(z);
}

/** One epoch of full-batch gradient descent on the mean log loss; returns the new model and the loss before the step. */
export function gradientStep(model: Model, data: Dataset, learningRate: number): { model: Model; loss: number } {
  const d = model.weights.length;
  const n = data.features.length;
  const gradW = new Array<number>(d).fill(0);
  let gradB = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const x = data.features[i]!;
    const y = data.labels[i]!;
    const p = probability(model, x);
    const error = p - y;
    for (let j = 0; j < d; j++) gradW[j]! += (error * x[j]!) / n;
    gradB += error / n;
    loss -= (y * Math.log(Math.max(p, 1e-12)) + (1 - y) * Math.log(Math.max(1 - p, 1e-12))) / n;
  }
  return { model: { weights: model.weights.map((w, j) => w - learningRate * gradW[j]!), bias: model.bias - learningRate * gradB }, loss };
}

export function evaluate(model: Model, data: Dataset): Metrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  let logLoss = 0;
  const n = data.features.length;
  for (let i = 0; i < n; i++) {
    const p = probability(model, data.features[i]!);
    const y = data.labels[i]!;
    const predicted = p >= 0.5 ? 1 : 0;
    if (predicted === y) correct++;
    if (predicted === 1 && y === 1) tp++;
    if (predicted === 1 && y === 0) fp++;
    if (predicted === 0 && y === 1) fn++;
    logLoss -= (y * Math.log(Math.max(p, 1e-12)) + (1 - y) * Math.log(Math.max(1 - p, 1e-12))) / n;
  }
  return { accuracy: correct / n, precision: tp / (tp + fp || 1), recall: tp / (tp + fn || 1), logLoss, examples: n };
}
