import {
  Collect,
  DynamicOperation,
  ExecutionEngine,
  GraphDefinition,
  Operation,
  Output,
  type CollectInputPort,
  type OperationInit,
  type OutputPort,
  type Outputs,
} from '@portflow/core';
import { sleep20, type Workload } from '../workloads';
import { versionOf, type Runner, type RunnerId } from './runner';

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

/** Step with the same two ports declared imperatively, in the constructor, instead of by decorators. */
class DynamicStep extends DynamicOperation {
  constructor(init?: OperationInit) {
    super(init);
    this.addInputPort('in', { collect: true });
    this.addOutputPort('out');
  }
  async execute(): Promise<{ out: number }> {
    return { out: 0 };
  }
}

/** DynamicStep that awaits a 20 ms timer first. */
class DynamicSleepStep extends DynamicStep {
  override async execute(): Promise<{ out: number }> {
    await sleep20();
    return { out: 0 };
  }
}

/** An async no-op with no ports at all: only ordering edges (`dependsOn`) lead to and from it. */
class Tick extends Operation {
  async execute(): Promise<void> {}
}

/** Tick that awaits a 20 ms timer. */
class SleepTick extends Operation {
  async execute(): Promise<void> {
    await sleep20();
  }
}

/** How the workload's edges become a Portflow graph. */
export type PortflowWiring = 'channels' | 'dynamic' | 'deps';

/**
 * Builds the workload as a Portflow graph, one operation per node, without
 * validating it. `channels`: Step operations (decorated ports), one channel
 * per edge. `dynamic`: the same with DynamicStep (ports added in the
 * constructor), one channel per edge. `deps`: port-less Tick operations, one
 * ordering dependency (`graph.dependsOn`) per edge.
 */
export function buildUnvalidatedPortflowGraph(w: Workload, wiring: PortflowWiring = 'channels'): GraphDefinition {
  const graph = new GraphDefinition({ name: `${w.shape}-${w.n}` });
  const sleep = w.task === 'sleep20';
  const Kind = wiring === 'deps' ? (sleep ? SleepTick : Tick) : wiring === 'dynamic' ? (sleep ? DynamicSleepStep : DynamicStep) : sleep ? SleepStep : Step;
  const ops: Operation[] = new Array(w.n);
  for (let i = 0; i < w.n; i++) {
    const op = new Kind({ id: `n${i}` });
    ops[i] = op;
    graph.add(op);
  }
  if (wiring === 'deps') {
    for (let i = 0; i < w.n; i++) {
      const parents = w.parents[i]!;
      // One call per edge: spreading 100,000 parents into one call would exceed the call stack.
      for (const p of parents) graph.dependsOn(ops[i]!, ops[p]!);
    }
  } else if (wiring === 'dynamic') {
    for (let i = 0; i < w.n; i++) {
      const target = ops[i] as DynamicStep;
      for (const p of w.parents[i]!) graph.connect(ops[p] as DynamicStep, 'out', target, 'in');
    }
  } else {
    for (let i = 0; i < w.n; i++) {
      const target = ops[i] as Step;
      // #region wiring
      for (const p of w.parents[i]!) graph.connect(ops[p] as Step, 'out', target, 'in');
      // #endregion wiring
    }
  }
  return graph;
}

/** Builds the workload as a Portflow graph (see {@link buildUnvalidatedPortflowGraph}) and validates it. */
export function buildPortflowGraph(w: Workload, wiring: PortflowWiring = 'channels'): GraphDefinition {
  const graph = buildUnvalidatedPortflowGraph(w, wiring);
  graph.validate();
  return graph;
}

function engineRunner(id: RunnerId, label: string, wiring: PortflowWiring, events: boolean): Runner<GraphDefinition> {
  const engine = new ExecutionEngine();
  let seen = 0;
  return {
    id,
    label: `Portflow ${versionOf('@portflow/core')} (${label})`,
    build: (w) => buildPortflowGraph(w, wiring),
    validation: {
      buildUnvalidated: (w) => buildUnvalidatedPortflowGraph(w, wiring),
      validate: (graph) => graph.validate(),
    },
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

/**
 * The full engine (default options: unbounded I/O pool, failFast, no retry).
 * With `events`, the run's events$ has a subscriber that counts events, so
 * every lifecycle event is built and delivered; without, nobody listens.
 */
export function portflowRunner(events: boolean): Runner<GraphDefinition> {
  return events ? engineRunner('portflow-events', 'events subscribed', 'channels', true) : engineRunner('portflow', 'no subscribers', 'channels', false);
}

/** The same engine and graph shape, but port-less operations and ordering-only edges (`graph.dependsOn`): no data flows. */
export function portflowDepsRunner(): Runner<GraphDefinition> {
  return engineRunner('portflow-deps', 'ordering-only edges, no ports', 'deps', false);
}

/** The same as `portflow`, but each operation declares its ports imperatively (DynamicOperation). */
export function portflowDynamicRunner(): Runner<GraphDefinition> {
  return engineRunner('portflow-dynamic', 'imperative ports', 'dynamic', false);
}
