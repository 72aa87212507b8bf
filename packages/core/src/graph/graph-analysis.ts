import type { DataChannel } from './data-channel';
import type { GraphProblem } from './graph-problem';
import type { Operation } from '../model/operation';
import { typesCompatible } from '../model/ports/port-type';
import { retryPolicyProblems } from '../model/retry-policy';
import { RESOURCE_HINTS } from '../model/operation-settings';

/** An ordering-only dependency: `dependent` runs after `prerequisite`. */
export interface OrderingDependency {
  readonly dependent: Operation;
  readonly prerequisite: Operation;
}

/**
 * What validation learns about a graph: its problems, and when there are
 * none, a topological order over operation indices. Built in O(V + E).
 * @internal
 */
export interface GraphAnalysis {
  readonly problems: GraphProblem[];
  /** Operation indices (into `operations`) in topological order; partial when there is a cycle. */
  readonly order: Int32Array;
  /** Units of work done, for complexity tests: grows linearly with V + E. */
  readonly steps: number;
  /** Index (into `operations`) of each operation. */
  readonly index: ReadonlyMap<Operation, number>;
}

/** Checks a graph's operations, channels and dependencies. @internal */
export function analyzeGraph(
  operations: readonly Operation[],
  channels: readonly DataChannel[],
  dependencies: readonly OrderingDependency[],
): GraphAnalysis {
  const problems: GraphProblem[] = [];
  let steps = 0;
  const n = operations.length;
  const index = new Map<Operation, number>();
  const byId = new Map<string, Operation>();
  for (let i = 0; i < n; i++) {
    const op = operations[i]!;
    index.set(op, i);
    const other = byId.get(op.id);
    if (other !== undefined && other !== op) {
      problems.push({
        kind: 'duplicate-id',
        operationId: op.id,
        message: `Two operations have the id '${op.id}' (${other.type} and ${op.type}); give each a unique id.`,
      });
    } else byId.set(op.id, op);
    problems.push(...settingsProblems(op));
    steps++;
  }

  // Inbound channels per input port, keyed `index:port`.
  const inbound = new Map<string, DataChannel[]>();
  for (const channel of channels) {
    steps++;
    const source = channel.source.portMap().get(channel.sourcePort);
    const target = channel.target.portMap().get(channel.targetPort);
    if (source === undefined || source.direction !== 'output') {
      problems.push(portProblem(channel.source, channel.sourcePort, 'output', source?.direction));
    }
    if (target === undefined || target.direction !== 'input') {
      problems.push(portProblem(channel.target, channel.targetPort, 'input', target?.direction));
    }
    if (source?.direction !== 'output' || target?.direction !== 'input') continue;
    const key = `${index.get(channel.target)}:${channel.targetPort}`;
    const list = inbound.get(key);
    if (list === undefined) inbound.set(key, [channel]);
    else list.push(channel);
    if (typesCompatible(source.check, target.check) === false) {
      problems.push({
        kind: 'type-mismatch',
        source: { operationId: channel.source.id, port: source.name, type: source.typeName },
        target: { operationId: channel.target.id, port: target.name, type: target.typeName },
        message:
          `Channel ${channel.source.id}.${source.name} -> ${channel.target.id}.${target.name} connects ${source.typeName} ` +
          `to ${target.typeName}; connect a port of type ${target.typeName} or convert the value in between.`,
      });
    }
  }

  for (let i = 0; i < n; i++) {
    const op = operations[i]!;
    for (const port of op.portMap().values()) {
      steps++;
      if (port.direction !== 'input') continue;
      const sources = inbound.get(`${i}:${port.name}`);
      if (sources === undefined) {
        if (!port.optional && !port.collect) {
          problems.push({
            kind: 'unconnected-input',
            operationId: op.id,
            port: port.name,
            message:
              `Input port '${port.name}' of operation '${op.id}' is not connected; connect an output to it ` +
              `or declare it optional (with a default).`,
          });
        }
      } else if (sources.length > 1 && !port.collect) {
        const names = sources.map((c) => `${c.source.id}.${c.sourcePort}`);
        problems.push({
          kind: 'multiple-sources',
          operationId: op.id,
          port: port.name,
          sources: names,
          message:
            `Input port '${port.name}' of operation '${op.id}' has ${sources.length} sources (${names.join(', ')}); ` +
            `keep one, or declare the port with @Collect to receive them all as an array.`,
        });
      }
    }
  }

  const { order, cycles, steps: sortSteps } = topologicalSort(operations, index, channels, dependencies);
  steps += sortSteps;
  for (const path of cycles) {
    problems.push({
      kind: 'cycle',
      path,
      message: `Operations form a cycle: ${path.join(' -> ')}; remove one of these connections or dependencies.`,
    });
  }
  return { problems, order, steps, index };
}

function portProblem(op: Operation, port: string, wanted: 'input' | 'output', actual: 'input' | 'output' | undefined): GraphProblem {
  const available = [...op.portMap().values()].filter((p) => p.direction === wanted).map((p) => `'${p.name}'`);
  const hint = actual
    ? `'${port}' is an ${actual} port`
    : `its ${wanted} ports are ${available.length ? available.join(', ') : '(none)'}`;
  return {
    kind: 'unknown-port',
    operationId: op.id,
    port,
    direction: wanted,
    message: `Operation '${op.id}' (${op.type}) has no ${wanted} port '${port}': ${hint}.`,
  };
}

/** What an executor name may look like (engine option keys and the `executor` setting). @internal */
export const EXECUTOR_NAME = /^[A-Za-z0-9_.:-]+$/;

function settingsProblems(op: Operation): GraphProblem[] {
  const { retry, timeoutMs, resource, executor } = op.settings;
  const messages: string[] = [];
  if (retry !== undefined) messages.push(...retryPolicyProblems(retry).map((p) => `retry: ${p}`));
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    messages.push(`timeoutMs must be a number > 0 (got ${String(timeoutMs)})`);
  }
  if (resource !== undefined && !RESOURCE_HINTS.includes(resource)) {
    messages.push(`resource must be one of ${RESOURCE_HINTS.join(', ')} (got ${String(resource)})`);
  }
  if (executor !== undefined && !(typeof executor === 'string' && EXECUTOR_NAME.test(executor))) {
    messages.push(`executor must be the name of one of the engine's executors, letters, digits and _ . : - (got ${JSON.stringify(executor)})`);
  }
  return messages.map((m) => ({ kind: 'invalid-settings', operationId: op.id, message: `Operation '${op.id}' settings: ${m}.` }));
}

/**
 * Kahn's algorithm over channels and dependencies; ties broken by insertion
 * order. Each cycle left over is reported once with its path.
 */
function topologicalSort(
  operations: readonly Operation[],
  index: Map<Operation, number>,
  channels: readonly DataChannel[],
  dependencies: readonly OrderingDependency[],
): { order: Int32Array; cycles: string[][]; steps: number } {
  const n = operations.length;
  const edgeCount = channels.length + dependencies.length;
  const from = new Int32Array(edgeCount);
  const to = new Int32Array(edgeCount);
  let e = 0;
  for (const c of channels) {
    from[e] = index.get(c.source)!;
    to[e++] = index.get(c.target)!;
  }
  for (const d of dependencies) {
    from[e] = index.get(d.prerequisite)!;
    to[e++] = index.get(d.dependent)!;
  }
  const out = csr(n, from, to);
  const inDegree = new Int32Array(n);
  for (let k = 0; k < edgeCount; k++) inDegree[to[k]!]!++;
  const order = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) if (inDegree[i] === 0) order[tail++] = i;
  let steps = n + edgeCount;
  while (head < tail) {
    const v = order[head++]!;
    for (let k = out.offsets[v]!; k < out.offsets[v + 1]!; k++) {
      steps++;
      const w = out.targets[k]!;
      if (--inDegree[w]! === 0) order[tail++] = w;
    }
  }
  const cycles: string[][] = [];
  if (tail < n) {
    // Every node left has a predecessor that is left too; walking
    // predecessors must close a loop. Each node is walked at most once.
    const into = csr(n, to, from);
    const walked = new Int32Array(n); // 0 = not yet, w+1 = walk number
    let walk = 0;
    for (let start = 0; start < n; start++) {
      if (inDegree[start] === 0 || walked[start] !== 0) continue;
      walk++;
      const trail: number[] = [];
      let v = start;
      while (walked[v] === 0) {
        walked[v] = walk;
        trail.push(v);
        let next = -1;
        for (let k = into.offsets[v]!; k < into.offsets[v + 1]!; k++) {
          steps++;
          if (inDegree[into.targets[k]!]! > 0) {
            next = into.targets[k]!;
            break;
          }
        }
        v = next;
      }
      if (walked[v] !== walk) continue; // reached an earlier walk's cycle
      const loop = trail.slice(trail.indexOf(v)).reverse();
      // Start the path at the operation added first, so it reads the same every time.
      let first = 0;
      for (let k = 1; k < loop.length; k++) if (loop[k]! < loop[first]!) first = k;
      const path = [...loop.slice(first), ...loop.slice(0, first)];
      cycles.push([...path, path[0]!].map((i) => operations[i]!.id));
    }
  }
  return { order: order.subarray(0, tail), cycles, steps };
}

/** Compressed adjacency: targets of node v are targets[offsets[v] .. offsets[v+1]). @internal */
export interface Adjacency {
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
}

/** Builds compressed adjacency lists from edge arrays, keeping edge order. @internal */
export function csr(n: number, from: Int32Array, to: Int32Array): Adjacency {
  const offsets = new Int32Array(n + 1);
  for (let k = 0; k < from.length; k++) offsets[from[k]! + 1]!++;
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
  const fill = offsets.slice(0, n);
  const targets = new Int32Array(from.length);
  for (let k = 0; k < from.length; k++) targets[fill[from[k]!]!++] = to[k]!;
  return { offsets, targets };
}
