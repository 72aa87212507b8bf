/**
 * One FIFO queue per workflow, served round-robin: each `next` takes from
 * the workflow after the one served last, so a flood of one workflow does
 * not starve another. @internal
 */
export class FairQueue<T> {
  readonly #queues = new Map<string, T[]>();
  /** Workflows with waiting items, in serving order. */
  #order: string[] = [];
  #cursor = 0;
  #size = 0;

  /** Items waiting, in all queues. */
  get size(): number {
    return this.#size;
  }

  /** Items waiting for `workflow`. */
  sizeOf(workflow: string): number {
    return this.#queues.get(workflow)?.length ?? 0;
  }

  push(workflow: string, item: T): void {
    let queue = this.#queues.get(workflow);
    if (queue === undefined) {
      this.#queues.set(workflow, (queue = []));
      this.#order.push(workflow);
    }
    queue.push(item);
    this.#size++;
  }

  /** The next item, round-robin over the workflows that `ready` allows; undefined when none can be served. */
  next(ready: (workflow: string) => boolean): T | undefined {
    const count = this.#order.length;
    for (let i = 0; i < count; i++) {
      const index = (this.#cursor + i) % count;
      const workflow = this.#order[index]!;
      if (!ready(workflow)) continue;
      const queue = this.#queues.get(workflow)!;
      const item = queue.shift()!;
      this.#size--;
      if (queue.length === 0) {
        this.#queues.delete(workflow);
        this.#order.splice(index, 1);
        this.#cursor = this.#order.length === 0 ? 0 : index % this.#order.length;
      } else {
        this.#cursor = (index + 1) % count;
      }
      return item;
    }
    return undefined;
  }

  /** Removes an item; false when it is not waiting. */
  remove(workflow: string, item: T): boolean {
    const queue = this.#queues.get(workflow);
    const index = queue?.indexOf(item) ?? -1;
    if (queue === undefined || index < 0) return false;
    queue.splice(index, 1);
    this.#size--;
    if (queue.length === 0) {
      const at = this.#order.indexOf(workflow);
      this.#queues.delete(workflow);
      this.#order.splice(at, 1);
      if (at < this.#cursor) this.#cursor--;
      if (this.#cursor >= this.#order.length) this.#cursor = 0;
    }
    return true;
  }
}
