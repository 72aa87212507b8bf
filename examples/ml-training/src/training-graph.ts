import { GraphDefinition, Input, Operation, OperationOptions, Output, type ExecutionContext, type InputPort, type Inputs, type OperationInit, type OutputPort, type Outputs } from '@portflow/core';
import { DatasetType, pick, seededRandom, shuffledIndices, syntheticBlobs, type Dataset } from './dataset';
import { evaluate, fitScaler, gradientStep, scale, type Metrics, type Model, type Scaler } from './logistic-regression';

/** Yields to the event loop, so that Ctrl-C and other runs get in between epochs. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Makes the synthetic dataset (in a real pipeline: reads it from storage). */
export class LoadData extends Operation {
  @Output(DatasetType) data!: OutputPort<Dataset>;

  constructor(
    private readonly options: { samples: number; dimensions: number; separation: number; positiveRate: number; seed: number },
    init?: OperationInit,
  ) {
    super(init);
  }

  async execute(_inputs: Inputs<LoadData>, context: ExecutionContext): Promise<Outputs<LoadData>> {
    await nextTurn(); // stands in for I/O
    const data = syntheticBlobs(this.options);
    context.logger.info('loaded', { samples: data.labels.length });
    return { data };
  }
}

/** Shuffles with a seed and splits off a test set. */
export class Split extends Operation {
  @Input(DatasetType) data!: InputPort<Dataset>;
  @Output(DatasetType) train!: OutputPort<Dataset>;
  @Output(DatasetType) test!: OutputPort<Dataset>;

  constructor(
    private readonly testFraction: number,
    private readonly seed: number,
    init?: OperationInit,
  ) {
    super(init);
  }

  execute({ data }: Inputs<Split>): Outputs<Split> {
    const order = shuffledIndices(data.labels.length, seededRandom(this.seed));
    const cut = Math.round(order.length * (1 - this.testFraction));
    return { train: pick(data, order.slice(0, cut)), test: pick(data, order.slice(cut)) };
  }
}

/** Learns per-feature mean and standard deviation from the training set only. */
export class FitScaler extends Operation {
  @Input(DatasetType) train!: InputPort<Dataset>;
  @Output() scaler!: OutputPort<Scaler>;

  execute({ train }: Inputs<FitScaler>): Outputs<FitScaler> {
    return { scaler: fitScaler(train) };
  }
}

/**
 * Logistic regression by full-batch gradient descent. Reports progress every
 * epoch and stops at once when the run is cancelled.
 */
@OperationOptions({ resource: 'cpu_bound', description: 'logistic regression, gradient descent' })
export class Train extends Operation {
  @Input(DatasetType) train!: InputPort<Dataset>;
  @Input() scaler!: InputPort<Scaler>;
  @Output() model!: OutputPort<Model>;
  @Output(Array) losses!: OutputPort<number[]>;

  constructor(
    private readonly epochs: number,
    private readonly learningRate: number,
    init?: OperationInit,
  ) {
    super(init);
  }

  async execute({ train, scaler }: Inputs<Train>, context: ExecutionContext): Promise<Outputs<Train>> {
    const data = scale(train, scaler);
    let model: Model = { weights: new Array<number>(data.features[0]?.length ?? 0).fill(0), bias: 0 };
    const losses: number[] = [];
    for (let epoch = 1; epoch <= this.epochs; epoch++) {
      context.signal.throwIfAborted();
      const step = gradientStep(model, data, this.learningRate);
      model = step.model;
      losses.push(step.loss);
      context.reportProgress(epoch / this.epochs, `epoch ${epoch}/${this.epochs} loss ${step.loss.toFixed(4)}`);
      await nextTurn();
    }
    return { model, losses };
  }
}

/** Scores the model on the held-out test set. */
export class Evaluate extends Operation {
  @Input() model!: InputPort<Model>;
  @Input() scaler!: InputPort<Scaler>;
  @Input(DatasetType) test!: InputPort<Dataset>;
  @Output() metrics!: OutputPort<Metrics>;

  execute({ model, scaler, test }: Inputs<Evaluate>): Outputs<Evaluate> {
    return { metrics: evaluate(model, scale(test, scaler)) };
  }
}

/** What always predicting the training set's majority class scores; runs alongside training. */
export class Baseline extends Operation {
  @Input(DatasetType) train!: InputPort<Dataset>;
  @Input(DatasetType) test!: InputPort<Dataset>;
  @Output() metrics!: OutputPort<Metrics>;

  execute({ train, test }: Inputs<Baseline>): Outputs<Baseline> {
    const majority = train.labels.filter((y) => y === 1).length * 2 >= train.labels.length ? 1 : 0;
    const model: Model = { weights: new Array<number>(test.features[0]?.length ?? 0).fill(0), bias: majority === 1 ? 10 : -10 };
    return { metrics: evaluate(model, test) };
  }
}

/** One line comparing the model to the baseline. */
export class Compare extends Operation {
  @Input() model!: InputPort<Metrics>;
  @Input() baseline!: InputPort<Metrics>;
  @Output(String) summary!: OutputPort<string>;

  execute({ model, baseline }: Inputs<Compare>): Outputs<Compare> {
    const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
    return {
      summary:
        `test accuracy ${pct(model.accuracy)} (baseline ${pct(baseline.accuracy)}), ` +
        `precision ${pct(model.precision)}, recall ${pct(model.recall)}, log loss ${model.logLoss.toFixed(4)} on ${model.examples} examples`,
    };
  }
}

/** Options of the training graph. */
export interface TrainingOptions {
  samples: number;
  dimensions: number;
  separation: number;
  positiveRate: number;
  testFraction: number;
  epochs: number;
  learningRate: number;
  seed: number;
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

/**
 * load -> split; split's train set -> fitScaler, train, baseline; split's test
 * set -> evaluate, baseline; fitScaler -> train, evaluate; train -> evaluate;
 * evaluate, baseline -> compare. `baseline` runs alongside `fitScaler` and
 * `train`.
 */
export function buildTrainingGraph(options: Partial<TrainingOptions> = {}) {
  const o = { ...DEFAULT_OPTIONS, ...options };
  const graph = new GraphDefinition({ name: 'ml-training' });
  const load = new LoadData(o, { id: 'load' });
  const split = new Split(o.testFraction, o.seed, { id: 'split' });
  const scaler = new FitScaler({ id: 'fitScaler' });
  const train = new Train(o.epochs, o.learningRate, { id: 'train' });
  const evaluation = new Evaluate({ id: 'evaluate' });
  const baseline = new Baseline({ id: 'baseline' });
  const compare = new Compare({ id: 'compare' });
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
  return { graph, train, evaluation, baseline, compare };
}
