/** A promise with its resolve and reject exposed, for tests that decide when things finish. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * A promise the test settles: make an operation await `d.promise`, then
 * resolve it when the test has checked what it wanted to check.
 *
 * @example
 * ```ts
 * const gate = deferred();
 * const Wait = defineOperation('wait', {}, async () => { await gate.promise; });
 * const run = engine.start(new GraphDefinition().add(new Wait({ id: 'w' })));
 * gate.resolve();
 * await run.result;
 * ```
 */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise job run (a few rounds, for chains of awaits). */
export async function flushMicrotasks(rounds = 10): Promise<void> {
  for (let k = 0; k < rounds; k++) await Promise.resolve();
}
