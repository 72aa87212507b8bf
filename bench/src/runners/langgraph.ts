import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { sleep20, type Workload } from '../workloads';
import { versionOf, type Runner } from './runner';

const State = Annotation.Root({
  count: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
});

type Compiled = { invoke(input: unknown, config: { recursionLimit: number }): Promise<unknown> };

/**
 * LangGraph's StateGraph: one node per operation, a plain edge for one
 * parent and LangGraph's own fan-in (`addEdge([parents], node)`, which waits
 * for all of them) for several; nodes return an empty state update.
 * `compile()` is part of `build`. The recursion limit is raised to the node
 * count so that long chains are allowed at all.
 */
export function langGraphRunner(): Runner<Compiled> {
  return {
    id: 'langgraph',
    label: `LangGraph ${versionOf('@langchain/langgraph')} (StateGraph)`,
    build(w: Workload) {
      const body = w.task === 'sleep20' ? async () => { await sleep20(); return {}; } : async () => ({});
      // The builder's generic node-name typing is unusable for generated names.
      const graph = new StateGraph(State) as unknown as {
        addNode(name: string, fn: () => Promise<object>): void;
        addEdge(from: string | string[], to: string): void;
        compile(): Compiled;
      };
      const hasChild = new Uint8Array(w.n);
      for (let i = 0; i < w.n; i++) graph.addNode(`n${i}`, body);
      for (let i = 0; i < w.n; i++) {
        const parents = w.parents[i]!;
        for (const p of parents) hasChild[p] = 1;
        if (parents.length === 0) graph.addEdge(START, `n${i}`);
        else if (parents.length === 1) graph.addEdge(`n${parents[0]}`, `n${i}`);
        else graph.addEdge(parents.map((p) => `n${p}`), `n${i}`);
      }
      for (let i = 0; i < w.n; i++) if (hasChild[i] === 0) graph.addEdge(`n${i}`, END);
      return graph.compile();
    },
    run: (compiled, w) => compiled.invoke({ count: 0 }, { recursionLimit: w.n + 10 }),
  };
}
