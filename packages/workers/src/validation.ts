import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { types } from 'node:util';
import type { GraphDefinition, Operation, OperationSettings, PortDescriptor, ResourceHint } from '@portflow/core';
import { inheritedWorkerSpecOwner, placementOf, workerSpecOf, type WorkerSpec } from './declaration';
import { WorkerCapabilityError, type WorkerProblem } from './errors';
import { isPlainObject } from './protocol';

/** Resource classes a worker executor takes by default. */
export const WORKER_RESOURCES: readonly ResourceHint[] = Object.freeze(['cpu_bound', 'memory_bound']);

/** Options of {@link validateForWorkers}. */
export interface WorkerValidationOptions {
  /** Resource classes whose operations run on worker threads (default `cpu_bound` and `memory_bound`). */
  resources?: readonly ResourceHint[];
}

/**
 * Every operation of `graph` that would run on a worker thread but cannot,
 * with the reasons. Operations opted out with `@MainThread()` /
 * `runOnMainThread` are fine: they run on the main thread.
 */
export function findWorkerProblems(graph: GraphDefinition, options: WorkerValidationOptions = {}): WorkerProblem[] {
  const resources = options.resources ?? WORKER_RESOURCES;
  const problems: WorkerProblem[] = [];
  for (const op of graph.operations) {
    const resource = op.settings.resource ?? 'io_bound';
    if (!resources.includes(resource)) continue;
    const reasons = workerReasons(op);
    if (reasons.length === 0) continue;
    const operationId = op.hasId ? op.id : op.constructor.name;
    const className = op.constructor.name || 'anonymous class';
    problems.push({
      operationId,
      className,
      reasons,
      message: `Operation '${operationId}' (class ${className}) is ${resource}, so it runs on a worker thread, but it cannot: ${reasons.join(' ')}`,
    });
  }
  return problems;
}

/**
 * Throws a {@link WorkerCapabilityError} (a `GraphValidationError`) listing
 * every operation that would run on a worker thread but cannot. Call it
 * before running a graph on an engine whose executors you wired yourself; a
 * `WorkerEngine` calls it on every `run`/`start`.
 *
 * @example
 * ```ts
 * validateForWorkers(graph);              // throws before anything runs
 * await engine.run(graph);
 * ```
 */
export function validateForWorkers(graph: GraphDefinition, options: WorkerValidationOptions = {}): void {
  const problems = findWorkerProblems(graph, options);
  if (problems.length > 0) throw new WorkerCapabilityError(graph.name, problems);
}

/**
 * Why `operation` cannot run on a worker thread; empty when it can (or when
 * it is opted out to the main thread).
 */
export function workerReasons(operation: Operation): string[] {
  const placement = placementOf(operation);
  if (placement === 'main-thread') return [];
  const ctor = operation.constructor;
  if (placement === 'incapable') return [notDeclared(ctor)];
  const reasons = [...classReasons(ctor, workerSpecOf(ctor)!)];
  reasons.push(...portReasons(operation.ports));
  reasons.push(...stateReasons(operation));
  return reasons;
}

function notDeclared(ctor: Function): string { // eslint-disable-line @typescript-eslint/ban-types
  const owner = inheritedWorkerSpecOwner(ctor);
  if (owner !== undefined) {
    return (
      `its class extends ${owner.name}, which is declared with @WorkerOperation, but ${ctor.name} itself is not, so a worker would rebuild a ${owner.name}. ` +
      `Add @WorkerOperation(__filename) to class ${ctor.name} and export it.`
    );
  }
  return (
    `its class is not declared for worker threads. Export the class from a module and decorate it with @WorkerOperation(__filename) ` +
    `(or import.meta.url in an ES module), or opt out with @MainThread() on the class or runOnMainThread(op) to run it on the main thread.`
  );
}

const classCache = new WeakMap<Function, readonly string[]>(); // eslint-disable-line @typescript-eslint/ban-types

const TYPESCRIPT = new Set(['.ts', '.tsx', '.mts', '.cts']);
const JAVASCRIPT = new Set(['.js', '.cjs', '.mjs']);

/** Checks of the declaration itself, once per class. */
function classReasons(ctor: Function, spec: WorkerSpec): readonly string[] { // eslint-disable-line @typescript-eslint/ban-types
  const cached = classCache.get(ctor);
  if (cached) return cached;
  const reasons: string[] = [];
  const ext = extname(spec.modulePath);
  if (TYPESCRIPT.has(ext)) {
    reasons.push(
      `@WorkerOperation points at TypeScript source (${spec.modulePath}); worker threads load compiled JavaScript. ` +
        `Run the compiled build (where __filename is the .js file), and in tests import the operation from the build output.`,
    );
  } else if (!JAVASCRIPT.has(ext)) {
    reasons.push(`@WorkerOperation points at ${spec.modulePath}, which is not a JavaScript module (.js, .cjs or .mjs); pass __filename or import.meta.url.`);
  } else if (!existsSync(spec.modulePath)) {
    reasons.push(`@WorkerOperation points at ${spec.modulePath}, which does not exist; pass __filename or import.meta.url of the module that exports the class.`);
  } else {
    const exported = exportedValue(spec);
    if (exported.kind === 'failed') {
      reasons.push(`its module ${spec.modulePath} fails to load: ${exported.message}`);
    } else if (exported.kind === 'loaded' && exported.value !== ctor) {
      reasons.push(
        `its module ${spec.modulePath} does not export the class as '${spec.exportName}'` +
          (exported.value === undefined ? '' : ' (that export is something else)') +
          `. Export the class (export class ${ctor.name} ...), or name the export with @WorkerOperation(__filename, { exportName }).`,
      );
    }
  }
  Object.freeze(reasons);
  classCache.set(ctor, reasons);
  return reasons;
}

function exportedValue(spec: WorkerSpec): { kind: 'loaded'; value: unknown } | { kind: 'unknown' } | { kind: 'failed'; message: string } {
  if (extname(spec.modulePath) === '.mjs') return { kind: 'unknown' };
  try {
    // The module is normally loaded already (it defined the class), so this is a cache hit.
    const mod = require(spec.modulePath) as Record<string, unknown>; // eslint-disable-line @typescript-eslint/no-require-imports
    return { kind: 'loaded', value: mod?.[spec.exportName] };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE') return { kind: 'unknown' };
    return { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
}

/** Port types whose values survive a structured clone as the same type. */
const CLONEABLE_TYPES = new Set<unknown>([
  Number, String, Boolean, BigInt, Array, Object, Date, RegExp, Map, Set, ArrayBuffer, SharedArrayBuffer, DataView,
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array,
  BigInt64Array, BigUint64Array, Buffer, Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
]);

function portReasons(ports: readonly PortDescriptor[]): string[] {
  const reasons: string[] = [];
  for (const port of ports) {
    const type = port.type as unknown;
    if (type === undefined || CLONEABLE_TYPES.has(type)) continue;
    if (typeof type !== 'function' || !Object.prototype.hasOwnProperty.call(type, 'prototype')) continue; // a guard: cannot tell
    const name = (type as { name?: string }).name || 'an anonymous class';
    if (type === Function || type === Symbol) {
      reasons.push(`${port.direction} port '${port.name}' carries ${name === 'Function' ? 'functions' : 'symbols'}, which cannot cross to a worker thread.`);
    } else {
      reasons.push(
        `${port.direction} port '${port.name}' carries ${name} instances; structured clone keeps their data but not their class, ` +
          `so they would arrive as plain objects. Carry plain data (a guard() type describes its shape).`,
      );
    }
  }
  return reasons;
}

/** Own fields of the instance that would not survive the trip. */
function stateReasons(operation: Operation): string[] {
  const reasons: string[] = [];
  const record = operation as unknown as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key === '_settings' || key === '_extraPorts') continue;
    const problem = cloneProblem(record[key], `this.${key}`, { budget: 100_000 }, new Set());
    if (problem !== undefined) reasons.push(problem);
  }
  return reasons;
}

function cloneProblem(value: unknown, path: string, walk: { budget: number }, seen: Set<object>): string | undefined {
  if (--walk.budget < 0) return undefined;
  if (typeof value === 'function') {
    return `${path} holds a function; functions and closures cannot cross to a worker thread. Keep configuration as data, or opt out with @MainThread().`;
  }
  if (typeof value === 'symbol') return `${path} holds a symbol, which cannot cross to a worker thread.`;
  if (value === null || typeof value !== 'object' || seen.has(value)) return undefined;
  seen.add(value);
  if (Buffer.isBuffer(value)) return `${path} holds a Buffer, which would arrive as a Uint8Array; store a Uint8Array instead.`;
  // Values structured clone keeps as they are (checked with util.types: they work across realms).
  if (ArrayBuffer.isView(value) || types.isNativeError(value) || types.isDate(value) || types.isRegExp(value)) return undefined;
  if (types.isAnyArrayBuffer(value) || types.isBoxedPrimitive(value)) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = cloneProblem(value[i], `${path}[${i}]`, walk, seen);
      if (p) return p;
    }
    return undefined;
  }
  if (types.isMap(value)) {
    for (const [k, v] of value as Map<unknown, unknown>) {
      const p = cloneProblem(k, `${path} (a Map key)`, walk, seen) ?? cloneProblem(v, `${path}.get(${typeof k === 'string' ? JSON.stringify(k) : '…'})`, walk, seen);
      if (p) return p;
    }
    return undefined;
  }
  if (types.isSet(value)) {
    for (const v of value as Set<unknown>) {
      const p = cloneProblem(v, `${path} (a Set member)`, walk, seen);
      if (p) return p;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      const p = cloneProblem((value as Record<string, unknown>)[key], `${path}.${key}`, walk, seen);
      if (p) return p;
    }
    return undefined;
  }
  const name = (value as { constructor?: { name?: string } }).constructor?.name || 'object';
  try {
    structuredClone(value);
  } catch {
    return `${path} holds a ${name}, which cannot be cloned to a worker thread (handles, promises, weak collections and the like stay on their thread).`;
  }
  return (
    `${path} holds a ${name} instance; structured clone keeps its data but not its class, so its methods would be missing in the worker. ` +
    `Keep plain data in operation fields, or opt out with @MainThread().`
  );
}

/**
 * The operation's own fields as they are sent to a worker: core's internals
 * reduced to what a worker needs (id and cloneable settings).
 * @internal
 */
export function operationState(operation: Operation): Record<string, unknown> {
  const record = operation as unknown as Record<string, unknown>;
  const state: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    if (key === '_extraPorts') continue;
    state[key] = key === '_settings' ? cloneableSettings(operation.settings) : record[key];
  }
  return state;
}

function cloneableSettings(settings: Readonly<OperationSettings>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (key === 'retry' && value !== null && typeof value === 'object') {
      out.retry = Object.fromEntries(Object.entries(value as object).filter(([, v]) => typeof v !== 'function'));
    } else if (typeof value !== 'function') {
      out[key] = value;
    }
  }
  return out;
}
