import { InvalidOptionsError } from '@portflow/core';
import type { BlobStore } from './blob-store';
import { contentHash, matchesContentHash } from '@portflow/core';
import { BlobCorruptError } from './errors';
import { isInlineOutputRef, type OutputRef } from './output-ref';

/** Outputs up to this many encoded bytes are stored inline in the database by default: 64 KiB. */
export const DEFAULT_INLINE_LIMIT = 64 * 1024;

/** Options of {@link OutputWriter}. */
export interface OutputWriterOptions {
  /** Encoded values of at most this many bytes are kept inline; larger ones go to the blob store. Default {@link DEFAULT_INLINE_LIMIT}. */
  readonly inlineLimit?: number;
}

/**
 * Turns an output's encoded bytes into an {@link OutputRef}: hashed
 * (`contentHash`), kept inline when at or under the inline limit, otherwise put in
 * the blob store. Encode values first (with `v8Codec` from `@portflow/core`,
 * say); the store keeps bytes, not values.
 *
 * @example
 * ```ts
 * const writer = new OutputWriter(new DirectoryBlobStore('.portflow/objects'), { inlineLimit: 16 * 1024 });
 * const ref = await writer.write(v8Codec.encode(rows));
 * store.recordOperation(runId, { operationId: 'load', status: 'succeeded', attempts: 1, startedAt, finishedAt, outputs: { rows: ref } });
 * ```
 */
export class OutputWriter {
  /** The inline limit in bytes. */
  readonly inlineLimit: number;

  constructor(
    /** Where values over the inline limit go. */
    readonly blobs: BlobStore,
    options: OutputWriterOptions = {},
  ) {
    const limit = options.inlineLimit ?? DEFAULT_INLINE_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 0) throw new InvalidOptionsError('OutputWriter options', [`inlineLimit must be a whole number of bytes, 0 or more (got ${String(limit)})`]);
    this.inlineLimit = limit;
  }

  /** The ref of `bytes`: inline (a copy) when small enough, else a blob. */
  async write(bytes: Uint8Array): Promise<OutputRef> {
    if (bytes.length <= this.inlineLimit) return { hash: contentHash(bytes), size: bytes.length, inline: bytes.slice() };
    const { hash, size } = await this.blobs.put(bytes);
    return { hash, size, blob: hash };
  }
}

/**
 * The encoded bytes an {@link OutputRef} stands for, verified against its
 * content hash and size: inline bytes as they are, blobs from `blobs`. Throws a
 * `BlobCorruptError` when the bytes do not match (the output should then be
 * recomputed), and a `BlobMissingError` when the blob is gone.
 *
 * @example
 * ```ts
 * const value = v8Codec.decode(await readOutput(ref, blobs));
 * ```
 */
export async function readOutput(ref: OutputRef, blobs: BlobStore): Promise<Uint8Array> {
  if (isInlineOutputRef(ref)) {
    const where = 'The output held inline in the run store';
    if (ref.inline.length !== ref.size) throw new BlobCorruptError(ref.hash, where, `it has ${ref.inline.length} bytes, its record says ${ref.size}`);
    if (!matchesContentHash(ref.inline, ref.hash)) throw new BlobCorruptError(ref.hash, where, `its bytes hash to ${contentHash(ref.inline)}`);
    return ref.inline;
  }
  const bytes = await blobs.get(ref.blob);
  if (bytes.length !== ref.size || (ref.blob !== ref.hash && !matchesContentHash(bytes, ref.hash))) {
    throw new BlobCorruptError(ref.hash, `Blob ${ref.blob} in ${blobs.location}`, `it holds ${bytes.length} bytes, the output's record says ${ref.size} bytes with this hash`);
  }
  return bytes;
}
