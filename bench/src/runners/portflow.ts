import { Collect, ExecutionEngine, GraphDefinition, Operation, Output, type CollectInputPort, type OutputPort, type Outputs } from '@portflow/core';
import { sleep20, type Workload } from '../workloads';
import { versionOf, type Runner } from './runner';

// #region step
/** An async no-op with one collecting input and one output: data flows along every edge. */
class Step extends Operation {
  @Collect() in!: CollectInputPort<unknown>;
  @Output() out!: OutputPort<unknown>;
  async execute(): Promise<Outputs<Step>> {
    return { out: 0 };
  }
}
// #endregion step

/** Like Step, but awaits a 20 ms timer first. */
class SleepStep extends Operation {
  @Collect() in!: CollectInputPort<unknown>;
  @Output() out!: OutputPort<unknown>;
  async execute(): Promise<Outputs<SleepStep>> {
    await sleep20();
    return { out: 0 };
  }
}

/** Builds the workload as a Portflow graph: one operation per node, one channel per edge; validates it. */
export function buildPortflowGraph(w: Workload): GraphDefinition {
  const graph = new GraphDefinition({ name: `${w.shape}-${w.n}` });
  const ops: Operation[] = new Array(w.n);
  const Kind = w.task === 'sleep20' ? SleepStep : Step;
  for (let i = 0; i < w.n; i++) {
    const op = new Kind({ id: `n${i}` });
    ops[i] = op;
    graph.add(op);
  }
  for (let i = 0; i < w.n; i++) {
    const target = ops[i] as Step;
    // #region wiring
    for (const p of w.parents[i]!) graph.connect(ops[p] as Step, 'out', target, 'in');
    // #endregion wiring
  }
  graph.validate();
  return graph;
}

/**
 * The full engine (default options: unbounded I/O pool, failFast, no retry).
 * With `events`, the run's events$ has a subscriber that counts events, so
 * every lifecycle event is built and delivered; without, nobody listens.
 */
export function portflowRunner(events: boolean): Runner<GraphDefinition> {
  const engine = new ExecutionEngine();
  let seen = 0;
  return {
    id: events ? 'portflow-events' : 'portflow',
    label: `Portflow ${versionOf('@portflow/core')} (${events ? 'events subscribed' : 'no subscribers'})`,
    build: buildPortflowGraph,
    async run(graph) {
      const handle = engine.start(graph);
      if (events) handle.events$.subscribe(() => void seen++);
      const result = await handle.result;
      if (result.status !== 'succeeded') throw new Error(`Portflow run ${result.status}: ${result.getErrorMessage() ?? ''}`);
      return result;
    },
    close: () => engine.close(),
  };
}
