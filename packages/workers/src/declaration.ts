import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireExperimentalDecorators, type ModuleLocation, type Operation } from '@portflow/core';

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

/** What `@WorkerOperation` recorded about a class (in this process only: it never travels to a worker). */
export interface WorkerSpec {
  /**
   * Absolute path of the compiled module that exports the class. The worker
   * executor turns it into a specifier relative to its `root` for the
   * operation's ref; the absolute path itself never leaves this process.
   */
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
 * `import.meta.url` (or `import.meta.filename`) in an ES module.
 *
 * For each attempt the worker executor sends the worker the operation's
 * `OperationRef` (`op.toRef(location)`: type, version, params, id and
 * settings, all JSON), whose `module` is that path made relative to the
 * executor's `root` (default: the current directory), e.g.
 * `{ specifier: './dist/ops.js', export: 'Hash' }`. The worker resolves it
 * with core's `ModuleResolver`: it imports the module and constructs the
 * class with `new Hash({ id, params, ...settings })`, so the constructor
 * runs there as it did here, then calls `execute`. A class that declares
 * `@OperationOptions({ module: '@acme/ops' })` is loaded from that package
 * instead, and needs `@WorkerOperation` only for `transfer`.
 *
 * So a worker-capable class:
 * - lives in compiled JavaScript a worker can load (the build output, not a
 *   `.ts` source) under the executor's `root`, and is exported;
 * - keeps all its configuration in `params` (`class Hash extends
 *   Operation<{ rounds: number }>`, read as `this.params.rounds`): its
 *   constructor takes only the init object, since that is all a worker
 *   passes. Fields the constructor derives from params (lookup tables,
 *   helper objects) are fine: the constructor builds them again there.
 *
 * `validateForWorkers` (and a `WorkerEngine` before every run) checks all of
 * this, by rebuilding each operation from its ref in this process.
 *
 * @example
 * ```ts
 * @WorkerOperation(__filename)
 * @OperationOptions({ resource: 'cpu_bound' })
 * export class Hash extends Operation<{ rounds: number }> {
 *   @Input(Uint8Array) data!: InputPort<Uint8Array>;
 *   @Output(String) digest!: OutputPort<string>;
 *   execute({ data }: Inputs<Hash>): Outputs<Hash> {
 *     return { digest: hashRounds(data, this.params.rounds) };
 *   }
 * }
 * graph.add(new Hash({ id: 'hash', params: { rounds: 10 } }));
 * ```
 */
export function WorkerOperation(moduleLocation: string, options: WorkerOperationOptions = {}) {
  const modulePath = toPath(moduleLocation);
  return (ctor: AnyClass, context?: unknown): void => {
    requireExperimentalDecorators('@WorkerOperation', context);
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
 * (their configuration cannot be params: closures, connections, handles),
 * accepting that they block the event loop while they run. For a single
 * instance, use {@link runOnMainThread}.
 */
export function MainThread() {
  return (ctor: AnyClass, context?: unknown): void => {
    requireExperimentalDecorators('@MainThread', context);
    Object.defineProperty(ctor, MAIN_THREAD, { value: true, enumerable: false, configurable: true });
  };
}

/** Opts one operation instance out of worker threads; see {@link MainThread}. Returns the operation. */
export function runOnMainThread<T extends Operation>(operation: T): T {
  Object.defineProperty(operation, MAIN_THREAD, { value: true, enumerable: false, configurable: true });
  return operation;
}

/** The worker declaration of exactly this class (not inherited), if any. */
export function workerSpecOf(ctor: Function): WorkerSpec | undefined { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  return Object.prototype.hasOwnProperty.call(ctor, WORKER_SPEC) ? ((ctor as unknown as Record<symbol, WorkerSpec>)[WORKER_SPEC]) : undefined;
}

/** The nearest ancestor class (not the class itself) declared with `@WorkerOperation`, if any. */
export function inheritedWorkerSpecOwner(ctor: Function): Function | undefined { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  for (let c = Object.getPrototypeOf(ctor) as Function | null; c && c !== Function.prototype; c = Object.getPrototypeOf(c) as Function | null) { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
    if (workerSpecOf(c) !== undefined) return c;
  }
  return undefined;
}

/**
 * The module location a class declares with `@OperationOptions({ module })`
 * (not inherited), read through its ref; cached per class.
 */
export function declaredLocation(operation: Operation): ModuleLocation | undefined {
  const ctor = operation.constructor;
  if (declaredLocations.has(ctor)) return declaredLocations.get(ctor) ?? undefined;
  const location = operation.toRef().module;
  declaredLocations.set(ctor, location ?? null);
  return location;
}

const declaredLocations = new WeakMap<Function, ModuleLocation | null>(); // eslint-disable-line @typescript-eslint/no-unsafe-function-type

/**
 * How the worker executor will run `operation`: on a worker when its class is
 * declared with `@WorkerOperation` or `@OperationOptions({ module })`, on the
 * main thread when opted out, and not at all otherwise.
 */
export function placementOf(operation: Operation): 'worker' | 'main-thread' | 'incapable' {
  const ctor = operation.constructor;
  if ((operation as unknown as Record<symbol, unknown>)[MAIN_THREAD] === true) return 'main-thread';
  if (workerSpecOf(ctor) !== undefined) return 'worker';
  if ((ctor as unknown as Record<symbol, unknown>)[MAIN_THREAD] === true) return 'main-thread';
  if (declaredLocation(operation) !== undefined) return 'worker';
  return 'incapable';
}

function toPath(location: string): string {
  if (typeof location !== 'string' || location.length === 0) {
    throw new TypeError('@WorkerOperation needs the path of the module exporting the class: pass __filename (CommonJS) or import.meta.url (ES modules)');
  }
  if (location.startsWith('file:')) return fileURLToPath(location);
  return isAbsolute(location) ? location : resolve(location);
}
