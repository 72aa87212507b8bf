/**
 * The ref a remote worker receives for an operation: machine-independent,
 * never an absolute path.
 * @internal
 */
import { isAbsolute, relative, sep } from 'node:path';
import type { Operation, OperationRef } from '@portflow/core';
import { workerSpecOf } from '@portflow/workers';

/**
 * `operation.toRef()` when its class declares `@OperationOptions({ module })`;
 * else `toRef()` with its `@WorkerOperation` module made relative to `root`
 * (`./dist/ops.js`); else a sentence saying why there is no ref.
 */
export function remoteRef(operation: Operation, root: string): OperationRef | string {
  // Cached per operation: validate() and every attempt ask, and params and settings are fixed once the graph runs.
  const cached = refs.get(operation);
  if (cached !== undefined && cached.root === root) return cached.ref;
  const ref = computeRef(operation, root);
  refs.set(operation, { root, ref });
  return ref;
}

const refs = new WeakMap<Operation, { root: string; ref: OperationRef | string }>();

function computeRef(operation: Operation, root: string): OperationRef | string {
  const own = operation.toRef();
  if (own.module !== undefined) return own;
  const spec = workerSpecOf(operation.constructor);
  if (spec === undefined) {
    return 'its class names no module a remote worker can load: decorate it with @WorkerOperation(__filename) (and export it), or declare @OperationOptions({ module: \'<package>\' })';
  }
  const path = relative(root, spec.modulePath);
  if (path === '' || path === '..' || path.startsWith(`..${sep}`) || isAbsolute(path)) {
    return `its module ${spec.modulePath} is outside the executor's root (${root}); refs name modules relative to the root, which workers share: set the root, or declare the package with @OperationOptions({ module })`;
  }
  return operation.toRef({ specifier: `./${path.split(sep).join('/')}`, export: spec.exportName });
}
