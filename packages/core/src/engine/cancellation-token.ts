/**
 * A small cancellation handle for callers who prefer one over an
 * `AbortController`. Pass it as `cancellationToken` to `engine.run`.
 *
 * @example
 * ```ts
 * const token = new CancellationToken();
 * process.once('SIGINT', () => token.cancel('interrupted'));
 * const result = await engine.run(graph, { cancellationToken: token });
 * ```
 */
export class CancellationToken {
  private readonly controller = new AbortController();

  /** Requests cancellation; later calls do nothing. */
  cancel(reason = 'cancelled'): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** Whether `cancel` was called. */
  get isCancelled(): boolean {
    return this.controller.signal.aborted;
  }

  /** The reason given to `cancel`, if any. */
  get reason(): string | undefined {
    return this.isCancelled ? String(this.controller.signal.reason) : undefined;
  }

  /** An `AbortSignal` that aborts on `cancel`. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }
}
