/**
 * @portflow/core/testing: helpers for testing code that builds and runs
 * graphs: deferred promises and gates to control overlap without sleeping,
 * a driver for fake timers, and a checker of the engine's event promises.
 * @packageDocumentation
 */
export { deferred, flushMicrotasks, type Deferred } from './deferred';
export { Gates } from './gates';
export { settleWithFakeTimers } from './fake-timers';
export { eventInvariantViolations } from './event-invariants';
export { nextEvent } from './next-event';
