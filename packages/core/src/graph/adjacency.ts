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
