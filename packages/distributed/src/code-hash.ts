/**
 * The sha256 of the file an operation's code comes from, so a worker can
 * tell that it would run other code than the coordinator built the job
 * for (a deploy half done, a stale build in one place).
 * @internal
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ModuleLocation } from '@portflow/core';

const hashes = new Map<string, string>();
/** Resolved module files by `root` and specifier (resolution reads the disk, once per job otherwise). */
const files = new Map<string, string>();

/** sha256 (hex) of a file, read once per process. */
export function fileHash(path: string): string {
  let hash = hashes.get(path);
  if (hash === undefined) {
    hash = createHash('sha256').update(readFileSync(path)).digest('hex');
    hashes.set(path, hash);
  }
  return hash;
}

/** The file a module specifier names from `root`: a path relative to it, or a package's entry. */
export function moduleFile(module: ModuleLocation, root: string): string {
  const key = `${root}\0${module.specifier}`;
  let file = files.get(key);
  if (file === undefined) {
    const relativePath = module.specifier.startsWith('./') || module.specifier.startsWith('../');
    file = require.resolve(relativePath ? resolve(root, module.specifier) : module.specifier, { paths: [root] });
    files.set(key, file);
  }
  return file;
}

/** The code hash of a ref's module from `root`, or undefined when it cannot be read here. */
export function codeHashOf(module: ModuleLocation | undefined, root: string): string | undefined {
  if (module === undefined) return undefined;
  try {
    return fileHash(moduleFile(module, root));
  } catch {
    return undefined;
  }
}
