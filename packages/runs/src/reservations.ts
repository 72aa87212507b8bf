/** What an admitted submission holds until it is stored: a slot to start at once, or a place in the queue. @internal */
export type Slot = 'run' | 'queue';

/**
 * Slots held by submissions between admission and their store commit, so
 * that submissions racing each other never admit more than the bounds
 * allow. @internal
 */
export class Reservations {
  /** Submissions that will start at once. */
  toRun = 0;
  /** Submissions that will wait in the queue. */
  toQueue = 0;
  readonly #byWorkflow = new Map<string, number>();

  hold(workflow: string, slot: Slot): void {
    if (slot === 'run') this.toRun++;
    else this.toQueue++;
    this.#byWorkflow.set(workflow, (this.#byWorkflow.get(workflow) ?? 0) + 1);
  }

  release(workflow: string, slot: Slot): void {
    if (slot === 'run') this.toRun--;
    else this.toQueue--;
    const left = this.#byWorkflow.get(workflow)! - 1;
    if (left === 0) this.#byWorkflow.delete(workflow);
    else this.#byWorkflow.set(workflow, left);
  }

  /** Whether a submission of `workflow` is being admitted. */
  holds(workflow: string): boolean {
    return this.#byWorkflow.has(workflow);
  }

  /** Submissions being admitted. */
  get size(): number {
    return this.toRun + this.toQueue;
  }
}
