/** The graph of the coordinator-loss test: 5 layers of 2 `Effect` operations, each reading both of the layer before, and `last`, reading the fifth. */
import { GraphDefinition, type Operation } from '@portflow/core';
import { loadFixtures } from './worker-process';

/** Operation ids of {@link effectsGraph}, in layer order. */
export const EFFECT_IDS: readonly string[] = [...[1, 2, 3, 4, 5].flatMap((layer) => [`l${layer}a`, `l${layer}b`]), 'last'];

/** The graph, with every operation appending its idempotency key to `file`; `last` is the final operation. */
export function effectsGraph(file: string, ms = 300): { graph: GraphDefinition; last: Operation } {
  const { Effect } = loadFixtures();
  const graph = new GraphDefinition({ name: 'effects' });
  let previous: InstanceType<typeof Effect>[] = [];
  for (let layer = 1; layer <= 5; layer++) {
    const ops = ['a', 'b'].map((side, i) => new Effect({ id: `l${layer}${side}`, params: { file, ms, add: layer * 10 + i } }));
    for (const op of ops) {
      graph.add(op);
      if (previous.length > 0) {
        graph.connect(previous[0]!, 'value', op, 'a');
        graph.connect(previous[1]!, 'value', op, 'b');
      }
    }
    previous = ops;
  }
  const last = new Effect({ id: 'last', params: { file, ms: 0, add: 0 } });
  graph.connect(previous[0]!, 'value', last, 'a');
  graph.connect(previous[1]!, 'value', last, 'b');
  return { graph, last };
}
