/**
 * The ref a worker receives for an operation: `op.toRef(location)`, where
 * the location is the class's own `@OperationOptions({ module })` or its
 * `@WorkerOperation` module made relative to the executor's root.
 * @internal
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { ModuleLocation, Operation, OperationRef } from '@portflow/core';
import { declaredLocation, workerSpecOf, type WorkerSpec } from './declaration';

/** The root a worker executor resolves relative specifiers against: `root`, or the current directory, made absolute. */
export function resolveRoot(root: string | undefined): string {
  return resolve(root ?? process.cwd());
}

/** Where a worker loads the class from, or why it cannot be told; `undefined` for undeclared classes. */
export type WorkerLocation =
  | { readonly kind: 'declared'; readonly location: ModuleLocation }
  | { readonly kind: 'derived'; readonly location: ModuleLocation; readonly spec: WorkerSpec }
  | { readonly kind: 'outside-root'; readonly spec: WorkerSpec };

const derived = new WeakMap<Function, Map<string, WorkerLocation>>(); // eslint-disable-line @typescript-eslint/no-unsafe-function-type

/** See {@link WorkerLocation}; cached per class and root. */
export function workerLocation(operation: Operation, root: string): WorkerLocation | undefined {
  const declared = declaredLocation(operation);
  if (declared !== undefined) return { kind: 'declared', location: declared };
  const ctor = operation.constructor;
  const spec = workerSpecOf(ctor);
  if (spec === undefined) return undefined;
  let perRoot = derived.get(ctor);
  if (perRoot === undefined) derived.set(ctor, (perRoot = new Map()));
  let found = perRoot.get(root);
  if (found === undefined) {
    const specifier = relativeSpecifier(root, spec.modulePath);
    found = specifier === undefined ? { kind: 'outside-root', spec } : { kind: 'derived', location: { specifier, export: spec.exportName }, spec };
    perRoot.set(root, found);
  }
  return found;
}

/**
 * The ref the worker executor sends for `operation`: its own `toRef()` when
 * its class declares a module, else `toRef()` with the `@WorkerOperation`
 * module relative to `root`. Throws when there is no location (validation
 * reports that before a run).
 */
export function workerRef(operation: Operation, root: string): OperationRef {
  const where = workerLocation(operation, root);
  if (where === undefined || where.kind === 'outside-root') {
    throw new Error(`${operation.toString()}: no module location a worker can load its class from (run validateForWorkers for the reason)`);
  }
  return where.kind === 'declared' ? operation.toRef() : operation.toRef(where.location);
}

/** `./a/b.js` for a file under `root` (with `/` separators), `undefined` for one outside it. */
export function relativeSpecifier(root: string, file: string): string | undefined {
  const path = relative(root, file);
  if (path === '' || path === '..' || path.startsWith(`..${sep}`) || isAbsolute(path)) return undefined;
  return `./${path.split(sep).join('/')}`;
}
