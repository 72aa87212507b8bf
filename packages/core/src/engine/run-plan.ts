import type { DataChannel } from '../graph/data-channel';
import type { CompiledGraph } from '../graph/compiled-graph';
import type { GraphDefinition } from '../graph/graph-definition';
import type { Operation } from '../model/operation';
import type { ResourceHint } from '../model/operation-settings';

/**
 * A validated graph compiled for execution (see {@link CompiledGraph}) plus
 * what the engine reads from operation settings when the graph first runs.
 * Immutable and shared by every run of the same graph version.
 * @internal
 */
export interface RunPlan extends CompiledGraph {
  readonly graphName: string;
  readonly resources: readonly ResourceHint[];
  /** Key of each operation's executor in the engine's `executors`: its `executor` setting, else its resource hint. */
  readonly executorKeys: readonly string[];
  /** 1 where the operation is CPU- or memory-bound (takes a CPU slot). */
  readonly cpuBound: Uint8Array;
  /** Number of CPU- or memory-bound operations. */
  readonly cpuCount: number;
  /** Each operation's own `timeoutMs` setting, NaN where it has none (the run's applies). */
  readonly timeouts: Float64Array;
  /** Channels leaving operation `i` (empty when none), for channel observers; built on first use. */
  channelsFrom(i: number): readonly DataChannel[];
  /** Every channel of the graph. */
  readonly channels: readonly DataChannel[];
  /** Positions of operations whose outputs are graph outputs. */
  readonly declaredOutputs: readonly number[];
  /** The graph's outputs: name, position and port. */
  readonly graphOutputs: readonly { readonly name: string; readonly index: number; readonly port: string }[];
  /** Index of each operation id. */
  readonly indexById: ReadonlyMap<string, number>;
}

const plans = new WeakMap<GraphDefinition, { version: number; plan: RunPlan }>();

/** The plan for `graph`'s current version; validates first (throws GraphValidationError). @internal */
export function planFor(graph: GraphDefinition<object, object>): RunPlan {
  const cached = plans.get(graph);
  if (cached?.version === graph.version) return cached.plan;
  graph.validate();
  const plan = compile(graph);
  plans.set(graph, { version: graph.version, plan });
  return plan;
}

function compile(graph: GraphDefinition<object, object>): RunPlan {
  const { index, compiled } = graph.analysis();
  const { operations, ids, position } = compiled!;
  const n = operations.length;
  const resources: ResourceHint[] = new Array(n);
  const executorKeys: string[] = new Array(n);
  const timeouts = new Float64Array(n).fill(NaN);
  const cpuBound = new Uint8Array(n);
  let cpuCount = 0;
  for (let k = 0; k < n; k++) {
    const op = operations[k]!;
    op.markPlanned();
    const settings = op.settings;
    const resource = settings.resource ?? 'io_bound';
    resources[k] = resource;
    if (resource === 'cpu_bound' || resource === 'memory_bound') {
      cpuBound[k] = 1;
      cpuCount++;
    }
    executorKeys[k] = settings.executor ?? resource;
    if (settings.timeoutMs !== undefined) timeouts[k] = settings.timeoutMs;
  }
  let indexById: Map<string, number> | undefined;
  const lazyIndex: ReadonlyMap<string, number> = {
    get: (id: string) => (indexById ??= new Map(ids.map((id, k) => [id, k]))).get(id),
  } as ReadonlyMap<string, number>;
  const graphOutputs = [...graph.outputs.values()].map((o) => ({ name: o.name, index: position[index.get(o.operation)!]!, port: o.port }));
  return {
    ...compiled!,
    graphName: graph.name,
    channelsFrom: channelsFromOf(graph.channels, operations),
    channels: graph.channels,
    graphOutputs,
    declaredOutputs: graphOutputs.map((o) => o.index),
    resources,
    executorKeys,
    timeouts,
    cpuBound,
    cpuCount,
    indexById: lazyIndex,
  };
}

const NO_CHANNELS: readonly DataChannel[] = [];

/** A lookup of the channels leaving each position, built the first time a watched channel needs it. */
function channelsFromOf(channels: readonly DataChannel[], operations: readonly Operation[]): (i: number) => readonly DataChannel[] {
  let byPosition: Map<Operation, DataChannel[]> | undefined;
  return (i) => {
    if (byPosition === undefined) {
      byPosition = new Map();
      for (const channel of channels) {
        const list = byPosition.get(channel.source);
        if (list === undefined) byPosition.set(channel.source, [channel]);
        else list.push(channel);
      }
    }
    return byPosition.get(operations[i]!) ?? NO_CHANNELS;
  };
}
