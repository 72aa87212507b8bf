import { defineOperation, GraphDefinition, InvalidOptionsError } from '@portflow/core';
import { deferred, type Deferred } from '@portflow/core/testing';
import type { RunnableWorkflow } from '../runnable-workflow';

/**
 * Steps that the test holds: each execution's one step says it started
 * (under its `key` parameter) and waits for the test to open its gate, or
 * ends with an abort when its execution is cancelled. Tests wait on
 * `until`, never on the clock.
 */
export class Holds {
  /** Keys in the order their step started. */
  readonly started: string[] = [];
  /** Keys whose step returned. */
  readonly finished: string[] = [];
  /** Open each gate as its step starts. */
  autoOpen = false;
  readonly #gates = new Map<string, Deferred<void>>();
  readonly #waiters: (() => void)[] = [];

  gate(key: string): Deferred<void> {
    let gate = this.#gates.get(key);
    if (gate === undefined) this.#gates.set(key, (gate = deferred()));
    return gate;
  }

  open(...keys: string[]): void {
    for (const key of keys) this.gate(key).resolve();
  }

  enter(key: string): void {
    this.started.push(key);
    if (this.autoOpen) this.open(key);
    this.#changed();
  }

  leave(key: string): void {
    this.finished.push(key);
    this.#changed();
  }

  /** Resolves once `condition` holds (checked now and after every start and finish). */
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

  #changed(): void {
    for (const check of this.#waiters.splice(0)) check();
  }
}

/** A workflow of one held step; params `key` (required, a string) and `x` (a number); its output is `<name>:<key>:<x * 2>`. */
export function heldWorkflow(name: string, holds: Holds, options: Pick<RunnableWorkflow, 'allowConcurrentExecution' | 'whenBusy'> = {}): RunnableWorkflow {
  const Work = defineOperation(`${name}.work`, { outputs: { out: String } }, async (_inputs, context) => {
    const key = String(context.variables.key);
    holds.enter(key);
    await new Promise<void>((resolve, reject) => {
      void holds.gate(key).promise.then(resolve);
      const abort = (): void => reject(new Error(`step of ${key} aborted`));
      if (context.signal.aborted) abort();
      else context.signal.addEventListener('abort', abort, { once: true });
    });
    holds.leave(key);
    return { out: `${name}:${key}:${Number(context.variables.x ?? 0) * 2}` };
  });
  return {
    ...options,
    prepare(params) {
      const problems = Object.keys(params)
        .filter((k) => k !== 'key' && k !== 'x')
        .map((k) => `unknown parameter '${k}'`);
      if (typeof params.key !== 'string') problems.push('key must be a string');
      if (problems.length > 0) throw new InvalidOptionsError(`parameters of '${name}'`, problems);
      const graph = new GraphDefinition<Record<never, never>, { out: string }>({ name, requireIds: true });
      graph.output('out', new Work({ id: 'work' }), 'out');
      return { graph, variables: { ...params } };
    },
  };
}
