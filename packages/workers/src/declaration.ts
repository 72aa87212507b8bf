import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Operation } from '@portflow/core';

/**
 * Which ArrayBuffers cross the thread boundary by transfer (moved, zero-copy)
 * instead of by copy: those in the operation's `inputs` (main thread to
 * worker), in its `outputs` (worker to main thread), or both (`true`).
 *
 * Transferring detaches the sender's buffer. For outputs that is always safe:
 * the worker's copy is gone anyway. For inputs it empties the upstream
 * operation's output on the main thread, so every other consumer of that
 * output, and `result.getOutput(...)`, sees a detached (empty) buffer: opt in
 * only when this operation is the value's only consumer.
 */
export type TransferMode = boolean | 'inputs' | 'outputs';

/** Options of {@link WorkerOperation}. */
export interface WorkerOperationOptions {
  /** Name under which the module exports the class (default: the class's name). */
  exportName?: string;
  /** Move ArrayBuffers instead of copying them; see {@link TransferMode} (default `false`). */
  transfer?: TransferMode;
}

/** What `@WorkerOperation` recorded about a class. */
export interface WorkerSpec {
  /** Absolute path of the compiled module that exports the class. */
  readonly modulePath: string;
  /** The export holding the class. */
  readonly exportName: string;
  /** Move buffers of inputs (main to worker). */
  readonly transferInputs: boolean;
  /** Move buffers of outputs (worker to main). */
  readonly transferOutputs: boolean;
}

// Symbol.for keys, so that two copies of this package in one process (e.g. a
// test importing the source and a fixture importing the build) agree.
const WORKER_SPEC = Symbol.for('portflow.workers.spec');
const MAIN_THREAD = Symbol.for('portflow.workers.mainThread');

type AnyClass = abstract new (...args: never[]) => unknown;

/**
 * Declares an operation class as able to run on a worker thread. Pass the
 * path of the module that exports the class: `__filename` in CommonJS,
 * `import.meta.url` (or `import.meta.filename`) in an ES module. The worker
 * imports that module, takes the export named like the class, rebuilds the
 * operation from a structured clone of its own fields and calls `execute`.
 *
 * The module must be JavaScript a worker can load (the build output, not a
 * `.ts` source), must export the class, and the class's instances must hold
 * only structured-cloneable configuration (no functions). `validateForWorkers`
 * checks all of this before a run.
 *
 * @example
 * ```ts
 * @WorkerOperation(__filename)
 * @OperationOptions({ resource: 'cpu_bound' })
 * export class Hash extends Operation { ... }
 * ```
 */
export function WorkerOperation(moduleLocation: string, options: WorkerOperationOptions = {}) {
  const modulePath = toPath(moduleLocation);
  return (ctor: AnyClass): void => {
    const exportName = options.exportName ?? ctor.name;
    if (!exportName) throw new TypeError('@WorkerOperation: the class has no name; give { exportName } explicitly');
    const transfer = options.transfer ?? false;
    if (transfer !== true && transfer !== false && transfer !== 'inputs' && transfer !== 'outputs') {
      throw new TypeError(`@WorkerOperation(${ctor.name}): transfer must be true, false, 'inputs' or 'outputs' (got ${String(transfer)})`);
    }
    const spec: WorkerSpec = Object.freeze({
      modulePath,
      exportName,
      transferInputs: transfer === true || transfer === 'inputs',
      transferOutputs: transfer === true || transfer === 'outputs',
    });
    Object.defineProperty(ctor, WORKER_SPEC, { value: spec, enumerable: false, configurable: true });
  };
}

/**
 * Opts an operation class (and its subclasses) out of worker threads: the
 * worker executor runs it on the main thread, like an operation without an
 * executor. Use it for `cpu_bound` operations that cannot be worker-capable
 * (they hold closures or handles), accepting that they block the event loop
 * while they run. For a single instance, use {@link runOnMainThread}.
 */
export function MainThread() {
  return (ctor: AnyClass): void => {
    Object.defineProperty(ctor, MAIN_THREAD, { value: true, enumerable: false, configurable: true });
  };
}

/** Opts one operation instance out of worker threads; see {@link MainThread}. Returns the operation. */
export function runOnMainThread<T extends Operation>(operation: T): T {
  Object.defineProperty(operation, MAIN_THREAD, { value: true, enumerable: false, configurable: true });
  return operation;
}

/** The worker declaration of exactly this class (not inherited), if any. */
export function workerSpecOf(ctor: Function): WorkerSpec | undefined { // eslint-disable-line @typescript-eslint/ban-types
  return Object.prototype.hasOwnProperty.call(ctor, WORKER_SPEC) ? ((ctor as unknown as Record<symbol, WorkerSpec>)[WORKER_SPEC]) : undefined;
}

/** The nearest ancestor class (not the class itself) declared with `@WorkerOperation`, if any. */
export function inheritedWorkerSpecOwner(ctor: Function): Function | undefined { // eslint-disable-line @typescript-eslint/ban-types
  for (let c = Object.getPrototypeOf(ctor) as Function | null; c && c !== Function.prototype; c = Object.getPrototypeOf(c) as Function | null) { // eslint-disable-line @typescript-eslint/ban-types
    if (workerSpecOf(c) !== undefined) return c;
  }
  return undefined;
}

/** How the worker executor will run `operation`. */
export function placementOf(operation: Operation): 'worker' | 'main-thread' | 'incapable' {
  const ctor = operation.constructor;
  if ((operation as unknown as Record<symbol, unknown>)[MAIN_THREAD] === true) return 'main-thread';
  if (workerSpecOf(ctor) !== undefined) return 'worker';
  if ((ctor as unknown as Record<symbol, unknown>)[MAIN_THREAD] === true) return 'main-thread';
  return 'incapable';
}

function toPath(location: string): string {
  if (typeof location !== 'string' || location.length === 0) {
    throw new TypeError('@WorkerOperation needs the path of the module exporting the class: pass __filename (CommonJS) or import.meta.url (ES modules)');
  }
  if (location.startsWith('file:')) return fileURLToPath(location);
  return isAbsolute(location) ? location : resolve(location);
}
