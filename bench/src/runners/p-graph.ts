import { PGraph, type DependencyList, type PGraphNodeMap } from 'p-graph';
import { sleep20, type Workload } from '../workloads';
import { versionOf, type Runner } from './runner';

/** `p-graph`: a node map plus [before, after] pairs; the constructor checks for cycles. */
export function pGraphRunner(): Runner<PGraph> {
  return {
    id: 'p-graph',
    label: `p-graph ${versionOf('p-graph')}`,
    build(w: Workload) {
      const body = w.task === 'sleep20' ? sleep20 : async () => {};
      const nodes: PGraphNodeMap = new Map();
      const deps: DependencyList = [];
      for (let i = 0; i < w.n; i++) {
        nodes.set(`n${i}`, { run: body });
        for (const p of w.parents[i]!) deps.push([`n${p}`, `n${i}`]);
      }
      return new PGraph(nodes, deps);
    },
    run: (graph) => graph.run(),
  };
}
