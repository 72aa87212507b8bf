import type { DataChannel } from '../graph/data-channel';
import { csr, type Adjacency } from '../graph/graph-analysis';
import type { GraphDefinition } from '../graph/graph-definition';
import type { Operation } from '../model/operation';
import type { CompiledPort } from '../model/ports/port-descriptor';
import type { ResourceHint } from '../model/operation-settings';

/** One source feeding an input port. @internal */
export interface InputSource {
  readonly index: number;
  readonly port: string;
  readonly channel: DataChannel;
  /** Whether the value must be type-checked on arrival (the source port does not guarantee the type). */
  readonly check: boolean;
}

/** How to fill one input port of an operation. @internal */
export interface InputBinding {
  readonly port: CompiledPort;
  readonly sources: readonly InputSource[];
}

/**
 * A validated graph compiled for execution: operations in topological order,
 * successor lists and in-degrees as typed arrays, and per-operation input
 * bindings. Immutable and shared by every run of the same graph version.
 * @internal
 */
export interface RunPlan {
  readonly graphName: string;
  readonly operations: readonly Operation[];
  readonly ids: readonly string[];
  readonly successors: Adjacency;
  readonly inDegree: Int32Array;
  /** null when the operation has no input ports. */
  readonly inputs: readonly (readonly InputBinding[] | null)[];
  /** null when the operation has no output ports. */
  readonly outputs: readonly (readonly CompiledPort[] | null)[];
  readonly resources: readonly ResourceHint[];
  /** Key of each operation's executor in the engine's `executors`: its `executor` setting, else its resource hint. */
  readonly executorKeys: readonly string[];
  /** Number of channels leaving each operation (reads before its outputs can be released). */
  readonly consumers: Int32Array;
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
  const { order, index: addedIndex } = graph.analysis();
  const added = graph.operations;
  const n = added.length;
  const operations: Operation[] = new Array(n);
  const ids: string[] = new Array(n);
  // Position of each operation, found through its index in `added` (one Map
  // lookup per operation instead of one per edge end).
  const positionOfAdded = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const a = order[k]!;
    const op = added[a]!;
    operations[k] = op;
    ids[k] = op.id;
    positionOfAdded[a] = k;
  }
  const position = (op: Operation): number => positionOfAdded[addedIndex.get(op)!]!;

  const edgeCount = graph.channels.length + graph.dependencies.length;
  const from = new Int32Array(edgeCount);
  const to = new Int32Array(edgeCount);
  let e = 0;
  // Sources per (target position, port name): a per-target map keyed by the
  // interned port name, no string building per edge.
  const bindings: (Map<string, InputSource[]> | undefined)[] = new Array(n);
  const consumers = new Int32Array(n);
  for (const channel of graph.channels) {
    const s = position(channel.source);
    const t = position(channel.target);
    consumers[s]!++;
    from[e] = s;
    to[e++] = t;
    const sourcePort = channel.source.portMap().get(channel.sourcePort)!;
    const targetPort = channel.target.portMap().get(channel.targetPort)!;
    const check = targetPort.check.test !== null && sourcePort.check.source !== targetPort.check.source;
    const byPort = (bindings[t] ??= new Map());
    const list = byPort.get(channel.targetPort);
    const source = { index: s, port: channel.sourcePort, channel, check };
    if (list === undefined) byPort.set(channel.targetPort, [source]);
    else list.push(source);
  }
  for (const d of graph.dependencies) {
    from[e] = position(d.prerequisite);
    to[e++] = position(d.dependent);
  }
  const inDegree = new Int32Array(n);
  for (let k = 0; k < edgeCount; k++) inDegree[to[k]!]!++;

  const inputs: (InputBinding[] | null)[] = new Array(n);
  const outputs: (readonly CompiledPort[] | null)[] = new Array(n);
  const resources: ResourceHint[] = new Array(n);
  const executorKeys: string[] = new Array(n);
  const NONE: readonly InputSource[] = [];
  for (let k = 0; k < n; k++) {
    const op = operations[k]!;
    op.markPlanned();
    const settings = op.settings;
    resources[k] = settings.resource ?? 'io_bound';
    executorKeys[k] = settings.executor ?? resources[k]!;
    const split = splitPorts(op.portMap());
    outputs[k] = split.outputs;
    const ins = split.inputs;
    if (ins === null) {
      inputs[k] = null;
      continue;
    }
    const byPort = bindings[k];
    const list: InputBinding[] = new Array(ins.length);
    for (let p = 0; p < ins.length; p++) list[p] = { port: ins[p]!, sources: byPort?.get(ins[p]!.name) ?? NONE };
    inputs[k] = list;
  }
  let indexById: Map<string, number> | undefined;
  const lazyIndex: ReadonlyMap<string, number> = {
    get: (id: string) => (indexById ??= new Map(ids.map((id, k) => [id, k]))).get(id),
  } as ReadonlyMap<string, number>;
  const graphOutputs = [...graph.outputs.values()].map((o) => ({ name: o.name, index: position(o.operation), port: o.port }));
  return {
    graphName: graph.name,
    consumers,
    channelsFrom: channelsFromOf(graph.channels, operations),
    channels: graph.channels,
    graphOutputs,
    declaredOutputs: graphOutputs.map((o) => o.index),
    operations,
    ids,
    successors: csr(n, from, to),
    inDegree,
    inputs,
    outputs,
    resources,
    executorKeys,
    indexById: lazyIndex,
  };
}

const splits = new WeakMap<ReadonlyMap<string, CompiledPort>, { inputs: CompiledPort[] | null; outputs: CompiledPort[] | null }>();

/** Input and output ports of a port map; shared by every operation of a class. */
function splitPorts(ports: ReadonlyMap<string, CompiledPort>): { inputs: CompiledPort[] | null; outputs: CompiledPort[] | null } {
  let split = splits.get(ports);
  if (split === undefined) {
    const all = [...ports.values()];
    const ins = all.filter((p) => p.direction === 'input');
    const outs = all.filter((p) => p.direction === 'output');
    split = { inputs: ins.length > 0 ? ins : null, outputs: outs.length > 0 ? outs : null };
    splits.set(ports, split);
  }
  return split;
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
