/**
 * A binary min-heap of operation indices, so that among ready operations the
 * one earliest in topological order starts first. Plain typed-array code:
 * it sits on the scheduler's hot path.
 * @internal
 */
export class ReadyQueue {
  private heap: Int32Array;
  private length = 0;

  constructor(capacity: number) {
    this.heap = new Int32Array(Math.max(4, capacity));
  }

  get size(): number {
    return this.length;
  }

  /** The smallest index, or -1 when empty. */
  peek(): number {
    return this.length === 0 ? -1 : this.heap[0]!;
  }

  push(value: number): void {
    if (this.length === this.heap.length) {
      const grown = new Int32Array(this.heap.length * 2);
      grown.set(this.heap);
      this.heap = grown;
    }
    const heap = this.heap;
    let i = this.length++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p <= value) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = value;
  }

  /** Removes and returns the smallest index, or -1 when empty. */
  pop(): number {
    if (this.length === 0) return -1;
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap[--this.length]!;
    const n = this.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && heap[r]! < heap[l]! ? r : l;
      if (heap[c]! >= last) break;
      heap[i] = heap[c]!;
      i = c;
    }
    if (n > 0) heap[i] = last;
    return top;
  }

  clear(): void {
    this.length = 0;
  }
}
