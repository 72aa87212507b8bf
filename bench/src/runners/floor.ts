import { adjacency, sleep20, type Workload } from '../workloads';
import type { Runner } from './runner';

interface FloorGraph {
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
  readonly inDegree: Int32Array;
}

async function noop(): Promise<void> {}

/**
 * The "physical limit" line: a ready queue over precomputed adjacency with
 * in-degree counters, each node an async function. No ports, no events, no
 * results, no error handling: the cost of promises and a queue, nothing else.
 */
export function runFloor(graph: FloorGraph, body: () => Promise<void>): Promise<void> {
  const { offsets, targets } = graph;
  const remaining = graph.inDegree.slice();
  const n = remaining.length;
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  let done = 0;
  for (let i = 0; i < n; i++) if (remaining[i] === 0) queue[tail++] = i;
  return new Promise((resolve) => {
    if (n === 0) return resolve();
    const complete = (v: number): void => {
      for (let k = offsets[v]!, end = offsets[v + 1]!; k < end; k++) {
        const w = targets[k]!;
        if (--remaining[w]! === 0) queue[tail++] = w;
      }
      if (++done === n) resolve();
      else drain();
    };
    const drain = (): void => {
      while (head < tail) {
        const v = queue[head++]!;
        void body().then(() => complete(v));
      }
    };
    drain();
  });
}

export function floorRunner(): Runner<FloorGraph> {
  return {
    id: 'floor',
    label: 'hand-written floor',
    build: (w: Workload) => adjacency(w.parents),
    run: (graph, w) => runFloor(graph, w.task === 'sleep20' ? sleep20 : noop),
  };
}
