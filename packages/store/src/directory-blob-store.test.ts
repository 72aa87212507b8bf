import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPortflowError } from '@portflow/core';
import { sha256Hex } from './content-hash';
import { DirectoryBlobStore } from './directory-blob-store';
import { BlobCorruptError, BlobMissingError } from './errors';

describe('DirectoryBlobStore', () => {
  let dir: string;
  let blobs: DirectoryBlobStore;
  const hello = new TextEncoder().encode('hello, blobs');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portflow-blobs-'));
    blobs = new DirectoryBlobStore(join(dir, 'objects'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores bytes under their sha256 in a two-digit fan-out directory, leaving no temporary files', async () => {
    const { hash, size } = await blobs.put(hello);
    expect(hash).toBe(sha256Hex(hello));
    expect(size).toBe(hello.length);
    expect(blobs.pathOf(hash)).toBe(join(dir, 'objects', hash.slice(0, 2), hash));
    expect(await readdir(join(dir, 'objects', hash.slice(0, 2)))).toEqual([hash]);
    expect(await blobs.get(hash)).toEqual(hello);
  });

  it('is idempotent: putting the same bytes again keeps one file', async () => {
    const first = await blobs.put(hello);
    const second = await blobs.put(hello.slice());
    expect(second).toEqual(first);
    expect(await blobs.list()).toEqual([first.hash]);
  });

  it('answers has, lists sorted, and deletes', async () => {
    const a = await blobs.put(new Uint8Array([1]));
    const b = await blobs.put(new Uint8Array([2]));
    expect(await blobs.has(a.hash)).toBe(true);
    expect(await blobs.list()).toEqual([a.hash, b.hash].sort());
    expect(await blobs.delete(a.hash)).toBe(true);
    expect(await blobs.delete(a.hash)).toBe(false);
    expect(await blobs.has(a.hash)).toBe(false);
    expect(await blobs.list()).toEqual([b.hash]);
  });

  it('lists nothing for a directory that does not exist yet, and ignores stray files', async () => {
    expect(await blobs.list()).toEqual([]);
    const { hash } = await blobs.put(hello);
    await writeFile(join(dir, 'objects', hash.slice(0, 2), '.tmp-leftover'), 'x');
    await writeFile(join(dir, 'objects', 'README'), 'x');
    expect(await blobs.list()).toEqual([hash]);
  });

  it('detects a truncated blob, names the file, removes it and says it will be recomputed', async () => {
    const { hash } = await blobs.put(hello);
    const file = blobs.pathOf(hash);
    await writeFile(file, hello.subarray(0, 5));
    const error = (await blobs.get(hash).catch((e: unknown) => e)) as BlobCorruptError;
    expect(error).toBeInstanceOf(BlobCorruptError);
    expect(isPortflowError(error, 'PORTFLOW_BLOB_CORRUPT')).toBe(true);
    expect(error.message).toContain(`Blob file ${file} is corrupt: its 5 bytes hash to`);
    expect(error.message).toContain('It will be recomputed by the operation that produced it.');
    expect(await blobs.has(hash)).toBe(false);
    // Stored afresh by the recomputation.
    await blobs.put(hello);
    expect(await blobs.get(hash)).toEqual(hello);
  });

  it('detects a changed blob of the same size', async () => {
    const { hash } = await blobs.put(hello);
    const bytes = await readFile(blobs.pathOf(hash));
    bytes[0] = bytes[0]! ^ 0xff;
    await writeFile(blobs.pathOf(hash), bytes);
    await expect(blobs.get(hash)).rejects.toThrow(BlobCorruptError);
  });

  it('reports a missing blob with the file it looked for', async () => {
    const hash = sha256Hex(hello);
    const error = (await blobs.get(hash).catch((e: unknown) => e)) as BlobMissingError;
    expect(error).toBeInstanceOf(BlobMissingError);
    expect(error).toMatchObject({ code: 'PORTFLOW_STORE', kind: 'blob-missing' });
    expect(error.message).toContain(blobs.pathOf(hash));
  });

  it('refuses a name that is not a sha256 (no paths outside the directory)', async () => {
    await expect(blobs.get('../../etc/passwd')).rejects.toThrow(/is not a sha256/);
    await expect(blobs.has('ABC')).rejects.toThrow(/is not a sha256/);
  });
});
