import type { RunPlan } from './run-plan';

/**
 * The outputs of one run, by plan position, and when each may be dropped.
 * An operation's outputs are released once every channel leaving it has been
 * read by its consumer, unless they are kept: declared graph outputs, outputs
 * a caller asked for with `run.output()`, outputs of operations nobody
 * consumes (the run's results), or every output when the run retains all.
 * So a 100,000-operation chain holds a handful of values, not 100,000.
 * @internal
 */
export class OutputTable {
  /** The output record of each operation that succeeded (undefined before, or once released). */
  readonly values: unknown[];
  /** 1 where the outputs were released after their consumers read them. */
  readonly released: Uint8Array;
  /** 1 where the outputs must be kept until the run ends. */
  private readonly keep: Uint8Array;
  /** Channel reads still to come, per producer. */
  private readonly unread: Int32Array;

  constructor(plan: RunPlan, retainAll: boolean) {
    const n = plan.ids.length;
    this.values = new Array(n).fill(undefined);
    this.released = new Uint8Array(n);
    this.keep = new Uint8Array(n);
    this.unread = plan.consumers.slice();
    if (retainAll) this.keep.fill(1);
    for (const i of plan.declaredOutputs) this.keep[i] = 1;
  }

  /** Keeps operation `i`'s outputs until the run ends. Returns false when they were released already. */
  retain(i: number): boolean {
    this.keep[i] = 1;
    return this.released[i] === 0;
  }

  /** One channel leaving operation `i` has been read by its consumer. */
  read(i: number): void {
    if (--this.unread[i]! === 0 && this.keep[i] === 0) {
      this.values[i] = undefined;
      this.released[i] = 1;
    }
  }
}

/**
 * Freezes plain objects and arrays, all the way down, so that a consumer
 * that mutates a value it received fails at once (in strict mode) instead of
 * corrupting what its siblings see. Maps, Sets, typed arrays and class
 * instances are left as they are (freezing cannot protect their contents).
 * @internal
 */
export function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  if (Array.isArray(value)) {
    Object.freeze(value);
    for (let k = 0; k < value.length; k++) deepFreeze(value[k]);
    return;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) return;
  Object.freeze(value);
  for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
}
