import { existsSync } from 'node:fs';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { types } from 'node:util';
import { canonicalJson, DynamicOperation, jsonProblem, type GraphDefinition, type ModuleLocation, type Operation, type OperationRef, type PortDescriptor, type ResourceHint } from '@portflow/core';
import { inheritedWorkerSpecOwner, placementOf, type WorkerSpec } from './declaration';
import { WorkerCapabilityError, type WorkerProblem } from './errors';
import { isPlainObject } from './values';
import { resolveRoot, workerLocation, type WorkerLocation } from './ref';

/** Resource classes a worker executor takes by default. */
export const WORKER_RESOURCES: readonly ResourceHint[] = Object.freeze(['cpu_bound', 'memory_bound']);

/** Options of {@link validateForWorkers}. */
export interface WorkerValidationOptions {
  /** Resource classes whose operations run on worker threads (default `cpu_bound` and `memory_bound`). */
  resources?: readonly ResourceHint[];
  /**
   * The worker executor's `root`, which `@WorkerOperation` modules must lie
   * under (default: the current directory, as for the executor). A
   * `WorkerEngine` passes its executor's.
   */
  root?: string;
}

/**
 * Every operation of `graph` that would run on a worker thread but cannot,
 * with the reasons. Operations opted out with `@MainThread()` /
 * `runOnMainThread` are fine: they run on the main thread.
 */
export function findWorkerProblems(graph: GraphDefinition, options: WorkerValidationOptions = {}): WorkerProblem[] {
  const resources = options.resources ?? WORKER_RESOURCES;
  const root = resolveRoot(options.root);
  const problems: WorkerProblem[] = [];
  for (const op of graph.operations) {
    const resource = op.settings.resource ?? 'io_bound';
    if (!resources.includes(resource)) continue;
    const reasons = workerReasons(op, { root });
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
 * before running a graph on an engine whose executors you wired yourself
 * (give it the executor's `root` if you set one); a `WorkerEngine` calls it
 * on every `run`/`start`.
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
 * it is opted out to the main thread). An operation can when its class is
 * declared (`@WorkerOperation(__filename)` under `root`, or
 * `@OperationOptions({ module })`), its ports carry data, and it can be
 * rebuilt from its ref: `new Class({ id, params, ...settings })`, which is
 * what a worker runs, gives the same operation (same ref, same fields, same
 * ports). That last check constructs one copy of the operation here.
 */
export function workerReasons(operation: Operation, options: Pick<WorkerValidationOptions, 'root'> = {}): string[] {
  const placement = placementOf(operation);
  if (placement === 'main-thread') return [];
  const ctor = operation.constructor;
  if (placement === 'incapable') return [notDeclared(ctor)];
  const root = resolveRoot(options.root);
  const reasons = [...locationReasons(ctor, workerLocation(operation, root)!, root)];
  reasons.push(...portReasons(operation.ports));
  reasons.push(...refReasons(operation));
  return reasons;
}

function notDeclared(ctor: Function): string { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  const owner = inheritedWorkerSpecOwner(ctor);
  if (owner !== undefined) {
    return (
      `its class extends ${owner.name}, which is declared with @WorkerOperation, but ${ctor.name} itself is not, so a worker would not know where to load ${ctor.name} from. ` +
      `Add @WorkerOperation(__filename) to class ${ctor.name} and export it.`
    );
  }
  return (
    `its class is not declared for worker threads. Export the class from a module and decorate it with @WorkerOperation(__filename) ` +
    `(or import.meta.url in an ES module), or name the package that exports it with @OperationOptions({ module: '<package>' }); ` +
    `or opt out with @MainThread() on the class or runOnMainThread(op) to run it on the main thread.`
  );
}

// ---- where the worker loads the class from -----------------------------------

const TYPESCRIPT = new Set(['.ts', '.tsx', '.mts', '.cts']);
const JAVASCRIPT = new Set(['.js', '.cjs', '.mjs']);

function locationReasons(ctor: Function, where: WorkerLocation, root: string): readonly string[] { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  switch (where.kind) {
    case 'outside-root':
      return [
        `its module ${where.spec.modulePath} is outside the worker executor's root (${root}); workers load operation modules by a path relative to that root, or by package name. ` +
          `Set the root to a directory that contains the module (createWorkerEngine({ workers: { root } }), or createWorkerExecutor({ root }) and validateForWorkers(graph, { root })), ` +
          `or declare the package that exports the class with @OperationOptions({ module: '<package>' }).`,
      ];
    case 'derived':
      return specReasons(ctor, where.spec);
    case 'declared':
      return declaredReasons(ctor, where.location, root);
  }
}

const specCache = new WeakMap<Function, readonly string[]>(); // eslint-disable-line @typescript-eslint/no-unsafe-function-type

/** Checks of the `@WorkerOperation` module itself, once per class. */
function specReasons(ctor: Function, spec: WorkerSpec): readonly string[] { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  const cached = specCache.get(ctor);
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
    const exported = exportedValue(spec.modulePath, spec.exportName);
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
  specCache.set(ctor, reasons);
  return reasons;
}

const declaredCache = new WeakMap<Function, Map<string, readonly string[]>>(); // eslint-disable-line @typescript-eslint/no-unsafe-function-type

/** Checks of an `@OperationOptions({ module })` location: it resolves from the root to JavaScript exporting an operation class. Once per class and root. */
function declaredReasons(ctor: Function, location: ModuleLocation, root: string): readonly string[] { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  let perRoot = declaredCache.get(ctor);
  if (perRoot === undefined) declaredCache.set(ctor, (perRoot = new Map()));
  const cached = perRoot.get(root);
  if (cached) return cached;
  const reasons: string[] = [];
  const { specifier, export: exportName } = location;
  const declared = `@OperationOptions({ module: '${specifier}' })`;
  const relativePath = specifier.startsWith('./') || specifier.startsWith('../');
  let file: string | undefined;
  if (relativePath && outside(root, resolve(root, specifier))) {
    reasons.push(`${declared} points outside the worker executor's root (${root}); set the executor's root to a directory that contains the module, or name a package.`);
  } else {
    try {
      file = require.resolve(relativePath ? resolve(root, specifier) : specifier, { paths: [root] });
    } catch {
      reasons.push(
        `${declared} cannot be found from the worker executor's root (${root}); ` +
          `install the package there (or set the executor's root to the directory it is installed for), or give a path relative to the root.`,
      );
    }
  }
  if (file !== undefined) {
    if (TYPESCRIPT.has(extname(file))) {
      reasons.push(`${declared} resolves to TypeScript source (${file}); worker threads load compiled JavaScript: point it at the build output.`);
    } else {
      const exported = exportedValue(file, exportName);
      if (exported.kind === 'failed') reasons.push(`${declared} fails to load: ${exported.message}`);
      else if (exported.kind === 'loaded' && typeof exported.value !== 'function') {
        reasons.push(`${declared} has no export '${exportName}' holding the class; export class ${ctor.name}, or name the export with @OperationOptions({ export }).`);
      }
    }
  }
  Object.freeze(reasons);
  perRoot.set(root, reasons);
  return reasons;
}

function outside(root: string, target: string): boolean {
  const path = relative(root, target);
  return path === '..' || path.startsWith(`..${sep}`) || isAbsolute(path);
}

function exportedValue(file: string, exportName: string): { kind: 'loaded'; value: unknown } | { kind: 'unknown' } | { kind: 'failed'; message: string } {
  if (extname(file) === '.mjs') return { kind: 'unknown' };
  try {
    // The module is normally loaded already (it defined the class), so this is a cache hit.
    const mod = require(file) as Record<string, unknown>; // eslint-disable-line @typescript-eslint/no-require-imports
    return { kind: 'loaded', value: mod?.[exportName] ?? (mod?.default as Record<string, unknown> | undefined)?.[exportName] };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE') return { kind: 'unknown' };
    if (code === 'ERR_REQUIRE_CYCLE_MODULE') {
      return {
        kind: 'failed',
        message:
          'it is declared in the ES-module entry file that is still loading (the one that started the run), which a worker thread cannot import without running it again: ' +
          'move the operation into a module of its own and import it from the entry file',
      };
    }
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

// ---- rebuilding from the ref ------------------------------------------------------

/**
 * Whether the operation survives the trip a worker makes: `new Class({ id,
 * params, ...settings })` from its ref must give the same ref, the same own
 * fields and the same ports. A class that keeps configuration in constructor
 * arguments or in fields set from outside fails: the worker would build it
 * without. Constructs one copy per call (not cached, so that fields changed
 * since the last check count); engines cache the outcome per graph version.
 */
function refReasons(operation: Operation): readonly string[] {
  const reason = rebuildProblem(operation, operation.toRef());
  return reason === undefined ? [] : [reason];
}

function rebuildProblem(operation: Operation, ref: OperationRef): string | undefined {
  const name = operation.constructor.name || 'anonymous class';
  const notJson = jsonProblem(ref, 'its ref');
  if (notJson !== undefined) return `${notJson}; a worker receives the operation as JSON.`;
  const rebuild = `new ${name}({ id, params, ...settings })`;
  const fix =
    `Keep its configuration in params: declare class ${name} extends Operation<{ ... }>, construct it with new ${name}({ id, params: { ... } }) ` +
    `and read this.params; its constructor must take only that init object, because it is all a worker passes. ` +
    `(Functions, class instances and handles cannot be params: opt out with @MainThread() for those.)`;
  const Class = operation.constructor as new (init: object) => Operation;
  let copy: Operation;
  try {
    copy = new Class({ ...ref.settings, ...(ref.id === undefined ? {} : { id: ref.id }), params: ref.params });
  } catch (error) {
    return `it cannot be rebuilt from its ref: ${rebuild}, which a worker runs, throws (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}). ${fix}`;
  }
  const field = fieldDifference(operation, copy);
  if (field !== undefined && typeof field.original === 'function') {
    return (
      `${field.path} holds a function, which its ref cannot carry (params are JSON): ${rebuild}, which a worker runs, leaves ${describe(field.rebuilt)} there. ` +
      `Functions and closures cannot cross to a worker thread: choose the behaviour with a param (a name, a setting) that the constructor or execute turns into code, ` +
      `or opt out with @MainThread().`
    );
  }
  const differences = refDifferences(ref, copy.toRef());
  if (field !== undefined) differences.push(`${field.path} = ${describe(field.rebuilt)} instead of ${describe(field.original)}`);
  const ports = (op: Operation): string => op.ports.map((p) => `${p.direction} '${p.name}'`).join(', ') || 'none';
  if (ports(copy) !== ports(operation)) differences.push(`the ports (${ports(copy)}) instead of (${ports(operation)})`);
  if (differences.length === 0) return undefined;
  return `it cannot be rebuilt from its ref: ${rebuild}, which a worker runs, gives an operation with ${differences.join(' and ')}, so its configuration does not all come from its params. ${fix}`;
}

/** How the rebuilt operation's ref differs: `id undefined instead of 'x'`. */
function refDifferences(ref: OperationRef, rebuilt: OperationRef): string[] {
  const keys = [...new Set([...Object.keys(ref), ...Object.keys(rebuilt)])] as (keyof OperationRef)[];
  return keys
    .filter((key) => canonicalJson(ref[key] ?? null) !== canonicalJson(rebuilt[key] ?? null))
    .map((key) => `${key} ${rebuilt[key] === undefined ? 'undefined' : canonicalJson(rebuilt[key])} instead of ${ref[key] === undefined ? 'undefined' : canonicalJson(ref[key])}`);
}

let baseKeys: ReadonlySet<string> | undefined;

/**
 * The own fields `Operation` itself keeps (id, params, settings, ports, ...),
 * found by constructing a probe that uses all of them: those are compared
 * through the ref and the port list, not field by field.
 */
function operationFields(): ReadonlySet<string> {
  if (baseKeys === undefined) {
    class Probe extends DynamicOperation<{ probe: number }> {
      constructor() {
        super({ id: 'probe', params: { probe: 1 }, timeoutMs: 1, description: 'probe' });
        this.addInputPort('probe');
      }
      execute(): void {}
    }
    baseKeys = new Set(Object.keys(new Probe()));
  }
  return baseKeys;
}

interface FieldDifference {
  readonly path: string;
  readonly original: unknown;
  readonly rebuilt: unknown;
}

/** The first own field (of the subclass) whose value differs between the operation and its rebuilt copy. */
function fieldDifference(operation: Operation, copy: Operation): FieldDifference | undefined {
  const base = operationFields();
  const a = operation as unknown as Record<string, unknown>;
  const b = copy as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => !base.has(key));
  const walk: Walk = { budget: 100_000, seen: new WeakMap() };
  for (const key of keys) {
    const found = difference(a[key], b[key], `this.${key}`, walk);
    if (found !== undefined) return found;
  }
  return undefined;
}

interface Walk {
  budget: number;
  readonly seen: WeakMap<object, object>;
}

/**
 * The first place where `a` and `b` differ, comparing data deeply (arrays,
 * plain objects, class instances by prototype and own fields, Map, Set,
 * Date, RegExp, typed arrays and buffers by content) and functions by their
 * code. Past the walk's budget, what is left counts as equal.
 */
function difference(a: unknown, b: unknown, path: string, walk: Walk): FieldDifference | undefined {
  if (Object.is(a, b) || --walk.budget < 0) return undefined;
  const differ = { path, original: a, rebuilt: b };
  if (typeof a === 'function' || typeof b === 'function') {
    return typeof a === 'function' && typeof b === 'function' && sameCode(a, b) ? undefined : differ;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return differ;
  if (walk.seen.get(a) === b) return undefined;
  walk.seen.set(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return differ;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    if (a.length !== other.length) return differ;
    for (let i = 0; i < a.length; i++) {
      const d = difference(a[i], other[i], `${path}[${i}]`, walk);
      if (d) return d;
    }
    return undefined;
  }
  if (types.isMap(a)) {
    const x = [...(a as Map<unknown, unknown>)];
    const y = [...(b as Map<unknown, unknown>)];
    if (x.length !== y.length) return differ;
    for (let i = 0; i < x.length; i++) {
      const [k, v] = x[i]!;
      const d = difference(k, y[i]![0], `${path} (a key)`, walk) ?? difference(v, y[i]![1], `${path}.get(${typeof k === 'string' ? JSON.stringify(k) : '…'})`, walk);
      if (d) return d;
    }
    return undefined;
  }
  if (types.isSet(a)) {
    const x = [...(a as Set<unknown>)];
    const y = [...(b as Set<unknown>)];
    if (x.length !== y.length) return differ;
    for (let i = 0; i < x.length; i++) {
      const d = difference(x[i], y[i], `${path} (a member)`, walk);
      if (d) return d;
    }
    return undefined;
  }
  if (types.isDate(a)) return (a as Date).getTime() === (b as Date).getTime() ? undefined : differ;
  if (types.isRegExp(a)) return String(a) === String(b) ? undefined : differ;
  if (types.isBoxedPrimitive(a)) return Object.is((a as object).valueOf(), (b as object).valueOf()) ? undefined : differ;
  if (types.isAnyArrayBuffer(a) || ArrayBuffer.isView(a)) return sameBytes(a, b) ? undefined : differ;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
    const d = difference(x[key], y[key], `${path}.${key}`, walk);
    if (d) return d;
  }
  return undefined;
}

/** Functions built by the same code (closures a constructor makes from params, bound methods). */
function sameCode(a: Function, b: Function): boolean { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  return a.name === b.name && Function.prototype.toString.call(a) === Function.prototype.toString.call(b);
}

function bytesOf(value: object): Buffer {
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return Buffer.from(value as ArrayBuffer);
}

function sameBytes(a: object, b: object): boolean {
  return bytesOf(a).equals(bytesOf(b));
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (isPlainObject(value)) {
    const text = canonicalJson(value);
    return text.length <= 60 && jsonProblem(value, 'value') === undefined ? text : 'an object';
  }
  const name = (value as { constructor?: { name?: string } }).constructor?.name || 'object';
  return `a${/^[AEIOU]/.test(name) ? 'n' : ''} ${name}`;
}
