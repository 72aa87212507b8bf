import { Operation, Output, type ExecutionContext, type OutputPort, type Outputs } from '@portflow/core';
import { builtinRegistry, Component, type ComponentRegistry, StepInit } from '@portflow/workflow';

/**
 * Gates for the web view test: each `hold` step says it started (under its
 * step id) and waits until the test releases it, or ends with an abort when
 * its execution is cancelled. Tests wait on `until`, never on the clock.
 */
export class Gates {
  /** Step ids in the order their attempts started. */
  readonly started: string[] = [];
  /** Step ids whose first attempt fails at once (to show a retry). */
  readonly failFirst = new Set<string>();
  /** Step id prefixes released as soon as they start. */
  readonly autoRelease = new Set<string>();
  readonly #gates = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  readonly #waiters: (() => void)[] = [];

  gate(id: string): Promise<void> {
    let gate = this.#gates.get(id);
    if (gate === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#gates.set(id, (gate = { promise, resolve }));
    }
    return gate.promise;
  }

  release(...ids: string[]): void {
    for (const id of ids) {
      this.gate(id);
      this.#gates.get(id)!.resolve();
    }
  }

  /** Releases every step whose id starts with `prefix`, now and from now on. */
  releaseAll(prefix: string): void {
    this.autoRelease.add(prefix);
    for (const id of this.#gates.keys()) if (id.startsWith(prefix)) this.release(id);
  }

  enter(id: string): void {
    this.started.push(id);
    for (const prefix of this.autoRelease) if (id.startsWith(prefix)) this.release(id);
    for (const check of this.#waiters.splice(0)) check();
  }

  /** Resolves once `condition` holds (checked now and after every start). */
  until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (condition()) resolve();
        else this.#waiters.push(check);
      };
      this.#waiters.push(check);
    });
  }
}

/** A step that logs, then waits for the test to release it (see {@link Gates}). */
@Component('hold', { description: 'Waits until the test releases it' })
export class Hold extends Operation {
  @Output(String) done!: OutputPort<string>;

  constructor(
    init: StepInit,
    private readonly gates: Gates,
  ) {
    super(init);
  }

  async execute(_inputs: unknown, context: ExecutionContext): Promise<Outputs<Hold>> {
    const id = context.operationId;
    context.logger.info(`attempt ${context.attempt} of ${id} started`);
    if (context.attempt === 1 && this.gates.failFirst.has(id)) {
      context.logger.warn(`${id} fails its first attempt on purpose`);
      this.gates.enter(`${id}#1`);
      throw new Error(`${id}: first attempt fails on purpose`);
    }
    this.gates.enter(id);
    context.logger.info(`${id} waits for the test to release it`);
    await new Promise<void>((resolve, reject) => {
      const abort = (): void => reject(context.signal.reason instanceof Error ? context.signal.reason : new Error(`${id} aborted`)); // the engine's reason: the step counts as cancelled
      if (context.signal.aborted) return abort();
      context.signal.addEventListener('abort', abort, { once: true });
      void this.gate(id).then(() => {
        context.signal.removeEventListener('abort', abort);
        resolve();
      });
    });
    context.logger.info(`${id} released`);
    return { done: id };
  }

  private gate(id: string): Promise<void> {
    return this.gates.gate(id);
  }
}

/** The built-in components plus `hold`, wired to `gates`. */
export function heldRegistry(gates: Gates): ComponentRegistry {
  const registry = builtinRegistry().register(Hold);
  registry.container.register(Gates, { useValue: gates });
  return registry;
}
