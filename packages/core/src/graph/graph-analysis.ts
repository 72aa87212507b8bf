import type { DataChannel } from './data-channel';
import { Wiring, type CompiledGraph } from './compiled-graph';
import { csr } from './adjacency';
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
 * none, a topological order over operation indices and the graph compiled
 * for execution. Built in O(V + E) with integer keys only.
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
  /** The graph in execution order; undefined when there are problems. */
  readonly compiled: CompiledGraph | undefined;
}

/**
 * Checks a graph's operations, channels and dependencies. `duplicates` are
 * the operations whose id an earlier one has, `byId` the first operation of
 * each id (the graph tracks both as operations are added). @internal
 */
export function analyzeGraph(
  operations: readonly Operation[],
  index: ReadonlyMap<Operation, number>,
  channels: readonly DataChannel[],
  dependencies: readonly OrderingDependency[],
  duplicates: readonly Operation[],
  byId: ReadonlyMap<string, Operation>,
): GraphAnalysis {
  const problems: GraphProblem[] = [];
  let steps = 0;
  const n = operations.length;
  const wiring = new Wiring(n, channels.length);
  for (const op of duplicates) {
    const other = byId.get(op.id)!;
    problems.push({
      kind: 'duplicate-id',
      operationId: op.id,
      message: `Two operations have the id '${op.id}' (${other.type} and ${op.type}); give each a unique id.`,
    });
  }
  for (let i = 0; i < n; i++) {
    const op = operations[i]!;
    settingsProblems(op, problems);
    wiring.addOperation(i, op);
    steps++;
  }
  wiring.endOperations();

  // Channels: port checks, then one count per input slot (operation, port).
  const edgeCount = channels.length + dependencies.length;
  const from = new Int32Array(edgeCount);
  const to = new Int32Array(edgeCount);
  for (let c = 0; c < channels.length; c++) {
    steps++;
    const channel = channels[c]!;
    const s = channel.sourceIndex;
    const t = channel.targetIndex;
    from[c] = s;
    to[c] = t;
    const source = channel.source.portMap().get(channel.sourcePort);
    const target = channel.target.portMap().get(channel.targetPort);
    if (source === undefined || source.direction !== 'output') {
      problems.push(portProblem(channel.source, channel.sourcePort, 'output', source?.direction));
    }
    if (target === undefined || target.direction !== 'input') {
      problems.push(portProblem(channel.target, channel.targetPort, 'input', target?.direction));
    }
    if (source?.direction !== 'output' || target?.direction !== 'input') continue;
    wiring.addChannel(c, t, source, target);
    if (source.check !== target.check && typesCompatible(source.check, target.check) === false) {
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
  for (let d = 0; d < dependencies.length; d++) {
    from[channels.length + d] = index.get(dependencies[d]!.prerequisite)!;
    to[channels.length + d] = index.get(dependencies[d]!.dependent)!;
  }

  const crowded: number[] = [];
  for (let i = 0; i < n; i++) {
    const ins = wiring.ins[i];
    if (ins === null || ins === undefined) continue;
    const base = wiring.addedSlotBase[i]!;
    for (let p = 0; p < ins.length; p++) {
      steps++;
      const port = ins[p]!;
      const count = wiring.addedSlotCount[base + p]!;
      if (count === 0) {
        if (!port.optional && !port.collect) {
          const op = operations[i]!;
          problems.push({
            kind: 'unconnected-input',
            operationId: op.id,
            port: port.name,
            message:
              `Input port '${port.name}' of operation '${op.id}' is not connected; connect an output to it ` +
              `or declare it optional (with a default).`,
          });
        }
      } else if (count > 1 && !port.collect) {
        crowded.push(base + p);
      }
    }
  }
  if (crowded.length > 0) problems.push(...multipleSourceProblems(crowded, operations, channels, wiring));

  const { order, inDegree, cycles, steps: sortSteps } = topologicalSort(operations, from, to);
  steps += sortSteps;
  for (const path of cycles) {
    problems.push({
      kind: 'cycle',
      path,
      message: `Operations form a cycle: ${path.join(' -> ')}; remove one of these connections or dependencies.`,
    });
  }
  const compiled = problems.length === 0 ? wiring.compile(operations, channels, order, inDegree, from, to) : undefined;
  if (compiled !== undefined) steps += n + edgeCount;
  return { problems, order, steps, index, compiled };
}

/** One problem per input slot with several sources but no @Collect, naming the sources (one pass over the channels). */
function multipleSourceProblems(slots: readonly number[], operations: readonly Operation[], channels: readonly DataChannel[], wiring: Wiring): GraphProblem[] {
  const names = new Map<number, string[]>(slots.map((slot) => [slot, []]));
  for (let c = 0; c < channels.length; c++) {
    const slot = wiring.slotOfChannel(c);
    const list = slot < 0 ? undefined : names.get(slot);
    if (list !== undefined) list.push(`${channels[c]!.source.id}.${channels[c]!.sourcePort}`);
  }
  return slots.map((slot) => {
    const i = wiring.operationOfSlot(slot);
    const op = operations[i]!;
    const port = wiring.ins[i]![slot - wiring.addedSlotBase[i]!]!;
    const sources = names.get(slot)!;
    return {
      kind: 'multiple-sources',
      operationId: op.id,
      port: port.name,
      sources,
      message:
        `Input port '${port.name}' of operation '${op.id}' has ${sources.length} sources (${sources.join(', ')}); ` +
        `keep one, or declare the port with @Collect to receive them all as an array.`,
    };
  });
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

function settingsProblems(op: Operation, problems: GraphProblem[]): void {
  const { retry, timeoutMs, resource, executor, cache } = op.settings;
  if (retry === undefined && timeoutMs === undefined && resource === undefined && executor === undefined && cache === undefined) return;
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
  if (cache !== undefined && typeof cache !== 'boolean' && !(cache !== null && typeof cache === 'object' && Number.isFinite(cache.ttlMs) && cache.ttlMs > 0)) {
    messages.push(`cache must be true, false or { ttlMs: <number > 0> } (got ${JSON.stringify(cache)})`);
  }
  for (const m of messages) problems.push({ kind: 'invalid-settings', operationId: op.id, message: `Operation '${op.id}' settings: ${m}.` });
}

/**
 * Kahn's algorithm over channels and dependencies; ties broken by insertion
 * order. Each cycle left over is reported once with its path.
 */
function topologicalSort(
  operations: readonly Operation[],
  from: Int32Array,
  to: Int32Array,
): { order: Int32Array; inDegree: Int32Array; cycles: string[][]; steps: number } {
  const n = operations.length;
  const edgeCount = from.length;
  const out = csr(n, from, to);
  const degrees = new Int32Array(n);
  for (let k = 0; k < edgeCount; k++) degrees[to[k]!]!++;
  const inDegree = degrees.slice();
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
  return { order: order.subarray(0, tail), inDegree: degrees, cycles, steps };
}
