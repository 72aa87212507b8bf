interface Waiter {
  readonly port: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The pending `run.output()` promises of one run, by operation position.
 * Empty (and free) unless someone asks for an output before its operation
 * has settled. @internal
 */
export class OutputFutures {
  private waiters: Map<number, Waiter[]> | undefined;

  /** Whether anyone waits at all (checked before settling, to keep the hot path free). */
  get empty(): boolean {
    return this.waiters === undefined || this.waiters.size === 0;
  }

  /** A promise of output `port` of operation `index`, settled by {@link OutputFutures.settle}. */
  wait(index: number, port: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const waiters = (this.waiters ??= new Map());
      const list = waiters.get(index);
      const waiter = { port, resolve, reject };
      if (list === undefined) waiters.set(index, [waiter]);
      else list.push(waiter);
    });
  }

  /** Operation `index` settled: resolve from its output record, or reject with `failure(port)`. */
  settle(index: number, record: Record<string, unknown> | undefined, failure: ((port: string) => Error) | undefined): void {
    const list = this.waiters?.get(index);
    if (list === undefined) return;
    this.waiters!.delete(index);
    for (const w of list) {
      if (failure === undefined) w.resolve(record?.[w.port]);
      else w.reject(failure(w.port));
    }
  }
}
