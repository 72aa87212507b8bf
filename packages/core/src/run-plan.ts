import type { DataChannel } from './data-channel';
import { csr, type Adjacency } from './graph-analysis';
import type { GraphDefinition } from './graph-definition';
import type { Operation } from './operation';
import type { CompiledPort } from './port-descriptor';
import type { ResourceHint } from './operation-settings';

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
  /** Index of each operation id. */
  readonly indexById: ReadonlyMap<string, number>;
}

const plans = new WeakMap<GraphDefinition, { version: number; plan: RunPlan }>();

/** The plan for `graph`'s current version; validates first (throws GraphValidationError). @internal */
export function planFor(graph: GraphDefinition): RunPlan {
  const cached = plans.get(graph);
  if (cached?.version === graph.version) return cached.plan;
  graph.validate();
  const plan = compile(graph);
  plans.set(graph, { version: graph.version, plan });
  return plan;
}

function compile(graph: GraphDefinition): RunPlan {
  const order = graph.analysis().order;
  const added = graph.operations;
  const n = added.length;
  const operations: Operation[] = new Array(n);
  const ids: string[] = new Array(n);
  const position = new Map<Operation, number>();
  for (let k = 0; k < n; k++) {
    const op = added[order[k]!]!;
    operations[k] = op;
    ids[k] = op.id;
    position.set(op, k);
  }

  const edgeCount = graph.channels.length + graph.dependencies.length;
  const from = new Int32Array(edgeCount);
  const to = new Int32Array(edgeCount);
  let e = 0;
  const bindings = new Map<string, InputSource[]>();
  for (const channel of graph.channels) {
    const s = position.get(channel.source)!;
    const t = position.get(channel.target)!;
    from[e] = s;
    to[e++] = t;
    const sourcePort = channel.source.portMap().get(channel.sourcePort)!;
    const targetPort = channel.target.portMap().get(channel.targetPort)!;
    const check = targetPort.check.test !== null && sourcePort.check.source !== targetPort.check.source;
    const key = `${t}:${channel.targetPort}`;
    const list = bindings.get(key) ?? [];
    list.push({ index: s, port: channel.sourcePort, channel, check });
    bindings.set(key, list);
  }
  for (const d of graph.dependencies) {
    from[e] = position.get(d.prerequisite)!;
    to[e++] = position.get(d.dependent)!;
  }
  const inDegree = new Int32Array(n);
  for (let k = 0; k < edgeCount; k++) inDegree[to[k]!]!++;

  const inputs: (InputBinding[] | null)[] = new Array(n);
  const outputs: (CompiledPort[] | null)[] = new Array(n);
  const resources: ResourceHint[] = new Array(n);
  const indexById = new Map<string, number>();
  for (let k = 0; k < n; k++) {
    const op = operations[k]!;
    indexById.set(ids[k]!, k);
    resources[k] = op.settings.resource ?? 'io_bound';
    let ins: InputBinding[] | null = null;
    let outs: CompiledPort[] | null = null;
    for (const port of op.portMap().values()) {
      if (port.direction === 'input') (ins ??= []).push({ port, sources: bindings.get(`${k}:${port.name}`) ?? [] });
      else (outs ??= []).push(port);
    }
    inputs[k] = ins;
    outputs[k] = outs;
  }
  return {
    graphName: graph.name,
    operations,
    ids,
    successors: csr(n, from, to),
    inDegree,
    inputs,
    outputs,
    resources,
    indexById,
  };
}
