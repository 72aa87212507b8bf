import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v8Codec } from '@portflow/core';
import { sha256Hex } from './content-hash';
import { DirectoryBlobStore } from './directory-blob-store';
import { BlobCorruptError } from './errors';
import { isInlineOutputRef, type BlobOutputRef, type InlineOutputRef } from './output-ref';
import { DEFAULT_INLINE_LIMIT, OutputWriter, readOutput } from './output-writer';

describe('OutputWriter and readOutput', () => {
  let dir: string;
  let blobs: DirectoryBlobStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portflow-outputs-'));
    blobs = new DirectoryBlobStore(dir);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps values at or under the inline limit inline, and puts larger ones in the blob store', async () => {
    const writer = new OutputWriter(blobs, { inlineLimit: 8 });
    const atLimit = await writer.write(new Uint8Array(8).fill(1));
    const over = await writer.write(new Uint8Array(9).fill(2));
    expect(atLimit).toEqual({ hash: '=0101010101010101', size: 8, inline: new Uint8Array(8).fill(1) });
    expect(over).toEqual({ hash: sha256Hex(new Uint8Array(9).fill(2)), size: 9, blob: sha256Hex(new Uint8Array(9).fill(2)) });
    expect(await blobs.list()).toEqual([(over as BlobOutputRef).blob]);
  });

  it('defaults to a 64 KiB inline limit', async () => {
    const writer = new OutputWriter(blobs);
    expect(writer.inlineLimit).toBe(DEFAULT_INLINE_LIMIT);
    expect(isInlineOutputRef(await writer.write(new Uint8Array(64 * 1024)))).toBe(true);
    expect(isInlineOutputRef(await writer.write(new Uint8Array(64 * 1024 + 1)))).toBe(false);
  });

  it('round-trips values encoded with the core codec', async () => {
    const writer = new OutputWriter(blobs, { inlineLimit: 100 });
    const value = { rows: new Map([['a', 1n]]), at: new Date(0), big: 'x'.repeat(500) };
    const ref = await writer.write(v8Codec.encode(value));
    expect(v8Codec.decode(await readOutput(ref, blobs))).toEqual(value);
  });

  it('copies inline bytes, so later changes to the buffer do not reach the ref', async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const ref = (await new OutputWriter(blobs).write(bytes)) as InlineOutputRef;
    bytes[0] = 9;
    expect(await readOutput(ref, blobs)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('verifies inline bytes against their hash and size', async () => {
    const ref = (await new OutputWriter(blobs).write(new Uint8Array([1, 2, 3]))) as InlineOutputRef;
    await expect(readOutput({ ...ref, inline: new Uint8Array([1, 2, 4]) }, blobs)).rejects.toThrow(/The output held inline in the run store is corrupt: its bytes hash to/);
    await expect(readOutput({ ...ref, inline: new Uint8Array([1, 2]) }, blobs)).rejects.toThrow(BlobCorruptError);
  });

  it("checks a blob's size against the ref", async () => {
    const ref = (await new OutputWriter(blobs, { inlineLimit: 0 }).write(new Uint8Array([1, 2, 3]))) as BlobOutputRef;
    await expect(readOutput({ ...ref, size: 4 }, blobs)).rejects.toThrow(/it holds 3 bytes, the output's record says 4 bytes/);
  });

  it('refuses a negative or fractional inline limit', () => {
    expect(() => new OutputWriter(blobs, { inlineLimit: -1 })).toThrow(/inlineLimit must be a whole number of bytes/);
  });
});
