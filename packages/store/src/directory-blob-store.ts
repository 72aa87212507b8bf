import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidOptionsError } from '@portflow/core';
import type { BlobInfo, BlobStore } from './blob-store';
import { isSha256Hex, plainBytes, sha256Hex } from './content-hash';
import { BlobCorruptError, BlobMissingError } from './errors';

/**
 * A {@link BlobStore} in a directory: each blob is the file
 * `<root>/<first 2 hex digits>/<sha256>`. A put writes a temporary file in
 * the same directory, fsyncs it and renames it into place, so a reader (or
 * a crash) never sees half a blob; several processes may share the
 * directory. A read that finds a file no longer matching its hash removes
 * it and throws a {@link BlobCorruptError}, so the value is recomputed and
 * stored afresh.
 *
 * @example
 * ```ts
 * const blobs = new DirectoryBlobStore('.portflow/objects');
 * const { hash, size } = await blobs.put(new TextEncoder().encode('hello'));
 * await blobs.has(hash); // true
 * ```
 */
export class DirectoryBlobStore implements BlobStore {
  /** The directory, absolute. */
  readonly location: string;

  constructor(root: string) {
    this.location = resolve(root);
  }

  /** The file that holds (or would hold) the blob `hash`. */
  pathOf(hash: string): string {
    requireHash(hash);
    return join(this.location, hash.slice(0, 2), hash);
  }

  /** Stores `bytes` under their sha256 (temporary file, fsync, rename); writes nothing when the blob is already there. */
  async put(bytes: Uint8Array): Promise<BlobInfo> {
    const hash = sha256Hex(bytes);
    const file = this.pathOf(hash);
    const info = { hash, size: bytes.length };
    if ((await sizeOf(file)) === bytes.length) return info;
    const dir = join(this.location, hash.slice(0, 2));
    await mkdir(dir, { recursive: true });
    const temporary = join(dir, `.tmp-${hash.slice(0, 16)}-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      const handle = await open(temporary, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return info;
  }

  /** The bytes of blob `hash`, verified; a corrupt file is removed and reported with a `BlobCorruptError`, a missing one with a `BlobMissingError`. */
  async get(hash: string): Promise<Uint8Array> {
    const file = this.pathOf(hash);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      if (isNotFound(error)) throw new BlobMissingError(hash, file);
      throw error;
    }
    const actual = sha256Hex(bytes);
    if (actual !== hash) {
      await rm(file, { force: true });
      throw new BlobCorruptError(hash, `Blob file ${file}`, `its ${bytes.length} bytes hash to ${actual} (changed or truncated on disk); the file was removed`);
    }
    return plainBytes(bytes);
  }

  /** Whether the file of blob `hash` exists (not verified). */
  async has(hash: string): Promise<boolean> {
    return (await sizeOf(this.pathOf(hash))) !== undefined;
  }

  /** Removes the file of blob `hash`; `false` when there was none. */
  async delete(hash: string): Promise<boolean> {
    try {
      await unlink(this.pathOf(hash));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** The hashes of every blob file, sorted (temporary and stray files are ignored). */
  async list(): Promise<string[]> {
    const hashes: string[] = [];
    for (const dir of await entries(this.location)) {
      if (!/^[0-9a-f]{2}$/.test(dir)) continue;
      for (const name of await entries(join(this.location, dir))) {
        if (isSha256Hex(name) && name.startsWith(dir)) hashes.push(name);
      }
    }
    return hashes.sort();
  }
}

function requireHash(hash: string): void {
  if (!isSha256Hex(hash)) throw new InvalidOptionsError('blob hash', [`${JSON.stringify(hash)} is not a sha256 (64 lowercase hex digits)`]);
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
