// #region script
import { defineOperation, Flow, port } from '@portflow/core';
import { DatasetType, syntheticBlobs, type Dataset } from './dataset';
import { evaluate, gradientStep, type Metrics, type Model } from './logistic-regression';

const data = port<Dataset>(DatasetType);
const Load = defineOperation('load', { inputs: { samples: Number }, outputs: { data } }, ({ samples }) => ({
  data: syntheticBlobs({ samples, dimensions: 2, separation: 2, positiveRate: 0.5, seed: 1 }),
}));
const Train = defineOperation('train', { inputs: { data, epochs: Number }, outputs: { model: port<Model>() } }, ({ data, epochs }, context) => {
  let model: Model = { weights: [0, 0], bias: 0 };
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const step = gradientStep(model, data, 0.5);
    model = step.model;
    context.reportProgress(epoch / epochs, { data: { epoch, loss: step.loss } });
  }
  return { model };
});
const Evaluate = defineOperation('evaluate', { inputs: { model: port<Model>(), data }, outputs: { metrics: port<Metrics>() } }, ({ model, data }) => ({ metrics: evaluate(model, data) }));

export async function trainScript(samples = 1000, epochs = 50): Promise<Metrics> {
  const flow = new Flow();
  const { data } = flow.call(Load, { samples });
  const { model } = flow.call(Train, { data, epochs });
  const { metrics } = flow.call(Evaluate, { model, data });
  return metrics; // awaiting it runs the graph
}
// #endregion script
