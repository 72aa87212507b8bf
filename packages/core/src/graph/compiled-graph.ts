import type { DataChannel } from './data-channel';
import { csr, type Adjacency } from './adjacency';
import type { Operation } from '../model/operation';
import type { CompiledPort } from '../model/ports/port-descriptor';

/**
 * A valid graph laid out for execution, built once by validation and shared
 * by every run of the same graph version. Operations are numbered by
 * position in topological order; everything per operation, per input port
 * ("slot") and per channel is a flat array indexed by integers, so a run
 * allocates nothing per edge.
 *
 * The sources of input port `p` of the operation at position `k` are
 * `sourceIndex[j]` / `sourcePort[j]` for `j` in
 * `sourceStart[slotBase[k] + p] .. sourceStart[slotBase[k] + p + 1]`, in
 * connection order.
 * @internal
 */
export interface CompiledGraph {
  readonly operations: readonly Operation[];
  readonly ids: readonly string[];
  /** Position of each operation, by its index in the order operations were added. */
  readonly position: Int32Array;
  readonly successors: Adjacency;
  readonly inDegree: Int32Array;
  /** Input ports per position (null when none); shared by every operation of a class. */
  readonly inputPorts: readonly (readonly CompiledPort[] | null)[];
  /** Output ports per position (null when none). */
  readonly outputPorts: readonly (readonly CompiledPort[] | null)[];
  /** First slot of each position; `slotBase[n]` is the number of slots. */
  readonly slotBase: Int32Array;
  /** First source of each slot; `sourceStart[slots]` is the number of channels. */
  readonly sourceStart: Int32Array;
  /** Position of each source's producer. */
  readonly sourceIndex: Int32Array;
  /** Output port name of each source. */
  readonly sourcePort: readonly string[];
  /** 1 where a source's value must be type-checked on arrival (its port does not guarantee the input's type). */
  readonly sourceCheck: Uint8Array;
  /** Channels leaving each position: reads before its outputs can be released. */
  readonly consumers: Int32Array;
}

interface SplitPorts {
  readonly inputs: readonly CompiledPort[] | null;
  readonly outputs: readonly CompiledPort[] | null;
}

const splits = new WeakMap<ReadonlyMap<string, CompiledPort>, SplitPorts>();

/** Input and output ports of a port map, in declaration order; shared by every operation of a class. */
function splitPorts(ports: ReadonlyMap<string, CompiledPort>): SplitPorts {
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

/**
 * Collects the wiring of a graph while validation walks it (operations in
 * the order they were added, then channels), and lays it out as a
 * {@link CompiledGraph} once the graph is known to be valid.
 * @internal
 */
export class Wiring {
  /** Input ports per added operation. */
  readonly ins: (readonly CompiledPort[] | null)[];
  private readonly outs: (readonly CompiledPort[] | null)[];
  /** First slot of each added operation. */
  readonly addedSlotBase: Int32Array;
  /** Channels into each slot (added numbering). */
  addedSlotCount = new Int32Array(0);
  /** Slot of each channel (added numbering), -1 for a channel with a bad port. */
  private readonly channelSlot: Int32Array;
  private readonly channelCheck: Uint8Array;

  constructor(private readonly n: number, channels: number) {
    this.ins = new Array(n);
    this.outs = new Array(n);
    this.addedSlotBase = new Int32Array(n + 1);
    this.channelSlot = new Int32Array(channels).fill(-1);
    this.channelCheck = new Uint8Array(channels);
  }

  /** Operation `i` (called for 0, 1, 2... in turn). */
  addOperation(i: number, op: Operation): void {
    const split = splitPorts(op.portMap());
    this.ins[i] = split.inputs;
    this.outs[i] = split.outputs;
    this.addedSlotBase[i + 1] = this.addedSlotBase[i]! + (split.inputs === null ? 0 : split.inputs.length);
  }

  /** Every operation has been added. */
  endOperations(): void {
    this.addedSlotCount = new Int32Array(this.addedSlotBase[this.n]!);
  }

  /** Channel `c` from output port `source` to input port `target` of operation `t`. */
  addChannel(c: number, t: number, source: CompiledPort, target: CompiledPort): void {
    const slot = this.addedSlotBase[t]! + this.ins[t]!.indexOf(target);
    this.channelSlot[c] = slot;
    this.addedSlotCount[slot]!++;
    if (target.check.test !== null && source.check.source !== target.check.source) this.channelCheck[c] = 1;
  }

  /** The slot channel `c` feeds (added numbering), or -1. */
  slotOfChannel(c: number): number {
    return this.channelSlot[c]!;
  }

  /** The added operation owning `slot`. */
  operationOfSlot(slot: number): number {
    const base = this.addedSlotBase;
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (base[mid]! <= slot) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Lays the graph out by topological position. `from`/`to` hold the
   * channels' endpoints, then the dependencies'; `inDegree` is by added
   * index. Only for a graph without problems.
   */
  compile(operations: readonly Operation[], channels: readonly DataChannel[], order: Int32Array, inDegree: Int32Array, from: Int32Array, to: Int32Array): CompiledGraph {
    const n = this.n;
    const position = new Int32Array(n);
    const ops: Operation[] = new Array(n);
    const ids: string[] = new Array(n);
    const inputPorts: (readonly CompiledPort[] | null)[] = new Array(n);
    const outputPorts: (readonly CompiledPort[] | null)[] = new Array(n);
    const slotBase = new Int32Array(n + 1);
    const degree = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const a = order[k]!;
      position[a] = k;
      const op = operations[a]!;
      ops[k] = op;
      ids[k] = op.id;
      const ins = this.ins[a]!;
      inputPorts[k] = ins;
      outputPorts[k] = this.outs[a]!;
      slotBase[k + 1] = slotBase[k]! + (ins === null ? 0 : ins.length);
      degree[k] = inDegree[a]!;
    }
    const c = channels.length;
    const slotOf = new Int32Array(c);
    const sourceStart = new Int32Array(slotBase[n]! + 1);
    for (let e = 0; e < c; e++) {
      const t = to[e]!;
      const slot = slotBase[position[t]!]! + (this.channelSlot[e]! - this.addedSlotBase[t]!);
      slotOf[e] = slot;
      sourceStart[slot + 1]!++;
    }
    for (let s = 1; s < sourceStart.length; s++) sourceStart[s]! += sourceStart[s - 1]!;
    const fill = sourceStart.slice(0, sourceStart.length - 1);
    const sourceIndex = new Int32Array(c);
    const sourcePort: string[] = new Array(c);
    const sourceCheck = new Uint8Array(c);
    const consumers = new Int32Array(n);
    for (let e = 0; e < c; e++) {
      const j = fill[slotOf[e]!]!++;
      const producer = position[from[e]!]!;
      sourceIndex[j] = producer;
      sourcePort[j] = channels[e]!.sourcePort;
      sourceCheck[j] = this.channelCheck[e]!;
      consumers[producer]!++;
    }
    const edges = from.length;
    const pf = new Int32Array(edges);
    const pt = new Int32Array(edges);
    for (let e = 0; e < edges; e++) {
      pf[e] = position[from[e]!]!;
      pt[e] = position[to[e]!]!;
    }
    return {
      operations: ops,
      ids,
      position,
      successors: csr(n, pf, pt),
      inDegree: degree,
      inputPorts,
      outputPorts,
      slotBase,
      sourceStart,
      sourceIndex,
      sourcePort,
      sourceCheck,
      consumers,
    };
  }
}
