import { GraphDefinition } from '@portflow/core';
import { CombineDigests, HashChunk, SplitData } from './hashing';

/** Sizes of the workload. */
export interface Workload {
  /** Independent CPU-bound operations (default 16). */
  chunks: number;
  /** Bytes per chunk (default 256 KiB). */
  chunkBytes: number;
  /** SHA-256 passes per chunk. */
  rounds: number;
}

/** split -> hash0..hashN (in parallel, on worker threads) -> combine. */
export function buildHashGraph({ chunks, chunkBytes, rounds }: Workload): { graph: GraphDefinition; combine: CombineDigests; hashes: HashChunk[] } {
  const graph = new GraphDefinition({ name: 'parallel-hash' });
  const split = new SplitData({ id: 'split', params: { chunks, chunkBytes } });
  const combine = new CombineDigests({ id: 'combine' });
  const hashes: HashChunk[] = [];
  for (let i = 0; i < chunks; i++) {
    const hash = new HashChunk({ id: `hash${i}`, params: { rounds } });
    graph.connect(split, `chunk${i}`, hash, 'chunk');
    graph.connect(hash, 'digest', combine, 'digests');
    hashes.push(hash);
  }
  return { graph, combine, hashes };
}
