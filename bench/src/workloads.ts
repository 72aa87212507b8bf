/**
 * The graphs every runner executes, as plain data: for each node, the
 * indices of its parents (all smaller than the node's own index, so index
 * order is a topological order). Runners turn this into their own structure.
 */

/** Graph shapes of the scheduling benchmarks. */
export type Shape = 'chain' | 'wide' | 'layered' | 'independent';

/** What each node does: resolve at once, or await a 20 ms timer. */
export type Task = 'noop' | 'sleep20';

export interface Workload {
  readonly shape: Shape;
  readonly task: Task;
  /** Number of operations (nodes). */
  readonly n: number;
  /** parents[i]: indices of node i's parents, each < i. */
  readonly parents: readonly (readonly number[])[];
  /** Number of edges. */
  readonly edges: number;
}

/** Seed of the layered random DAG; fixed so every runner and every run gets the same graph. */
export const LAYERED_SEED = 0x5eed;

/** Mulberry32: a tiny deterministic PRNG with 32-bit state. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 0 -> 1 -> 2 -> ... -> n-1 */
export function chain(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => (i === 0 ? [] : [i - 1]));
}

/** One source, n-2 middle nodes that each depend on it, one sink that depends on all of them (n nodes in all). */
export function wide(n: number): number[][] {
  if (n < 3) return chain(n);
  const middle = Array.from({ length: n - 2 }, (_, k) => k + 1);
  return Array.from({ length: n }, (_, i) => (i === 0 ? [] : i === n - 1 ? middle : [0]));
}

/**
 * Layers of width round(sqrt(n)) (the last one may be narrower); every node
 * after the first layer has 1-3 distinct parents drawn from the layer before.
 */
export function layered(n: number, seed = LAYERED_SEED): number[][] {
  const random = mulberry32(seed);
  const width = Math.max(1, Math.round(Math.sqrt(n)));
  const parents: number[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / width);
    if (layer === 0) {
      parents[i] = [];
      continue;
    }
    const prevStart = (layer - 1) * width;
    const prevWidth = width; // the layer before is always full
    const want = Math.min(prevWidth, 1 + Math.floor(random() * 3));
    const chosen: number[] = [];
    while (chosen.length < want) {
      const p = prevStart + Math.floor(random() * prevWidth);
      if (!chosen.includes(p)) chosen.push(p);
    }
    chosen.sort((a, b) => a - b);
    parents[i] = chosen;
  }
  return parents;
}

/** n nodes with no edges at all. */
export function independent(n: number): number[][] {
  return Array.from({ length: n }, () => []);
}

export function makeWorkload(shape: Shape, n: number, task: Task = 'noop'): Workload {
  const parents = shape === 'chain' ? chain(n) : shape === 'wide' ? wide(n) : shape === 'layered' ? layered(n) : independent(n);
  let edges = 0;
  for (const p of parents) edges += p.length;
  return { shape, task, n, parents, edges };
}

/** Successors in compressed form plus in-degrees: what the floor scheduler precomputes. */
export function adjacency(parents: readonly (readonly number[])[]): { offsets: Int32Array; targets: Int32Array; inDegree: Int32Array } {
  const n = parents.length;
  const offsets = new Int32Array(n + 1);
  const inDegree = new Int32Array(n);
  let edges = 0;
  for (let i = 0; i < n; i++) {
    const ps = parents[i]!;
    inDegree[i] = ps.length;
    edges += ps.length;
    for (const p of ps) offsets[p + 1]!++;
  }
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
  const fill = offsets.slice(0, n);
  const targets = new Int32Array(edges);
  for (let i = 0; i < n; i++) for (const p of parents[i]!) targets[fill[p]!++] = i;
  return { offsets, targets, inDegree };
}

/** Resolves after 20 ms: the body of an I/O-bound node. */
export function sleep20(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}
