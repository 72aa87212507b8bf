import { flushMicrotasks } from './deferred';

/**
 * Drives a run (or any promise) to its end under fake timers: lets pending
 * promise jobs run, and while the promise is unsettled fires the next timer
 * with `nextTimer` (jest: `() => jest.advanceTimersToNextTimerAsync()`;
 * @sinonjs/fake-timers: `() => clock.nextAsync()`). Retry backoffs and
 * timeouts then take no wall-clock time. Throws when `maxTimers` timers fired
 * and the promise is still pending: something waits for other than a timer.
 *
 * @example
 * ```ts
 * jest.useFakeTimers();
 * const result = await settleWithFakeTimers(engine.run(graph), () => jest.advanceTimersToNextTimerAsync());
 * ```
 */
export async function settleWithFakeTimers<T>(promise: Promise<T>, nextTimer: () => Promise<unknown> | unknown, maxTimers = 10_000): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  for (let fired = 0; ; fired++) {
    await flushMicrotasks();
    if (settled) return watched;
    if (fired >= maxTimers) {
      throw new Error(`settleWithFakeTimers: ${maxTimers} timers fired and the promise is still pending; it waits for something other than a timer (I/O, a worker, a gate)`);
    }
    await nextTimer();
  }
}
