import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { v8Codec } from '@portflow/core';
import { isPlainJson } from './plain-json';

/**
 * Where large values travel: a directory every coordinator and worker of a
 * deployment sees at the same path (a shared volume), instead of inside the
 * job, which BullMQ keeps in Redis memory.
 */
export interface BlobOptions {
  /** The shared directory. */
  readonly directory: string;
  /** Values whose encoding is longer than this many bytes go to the directory (default 256 KiB). */
  readonly thresholdBytes?: number;
}

/** Default {@link BlobOptions.thresholdBytes}: 256 KiB. */
export const DEFAULT_BLOB_THRESHOLD = 256 * 1024;

/** A value in a job: small plain JSON as it is, its `v8Codec` bytes as base64, or a reference to a file of the blob directory. */
export type EncodedValue = string | InlineJson | BlobReference;

/** A small value that JSON carries without loss (see `isPlainJson`), inside the job as it is. */
export interface InlineJson {
  /** The value itself: null, booleans, finite numbers, strings, and arrays and plain objects of them. */
  readonly json: unknown;
}

/** A value written to the blob directory: its path there, length and sha256 (checked on read). */
export interface BlobReference {
  /** `<sha256 of the job id>/<name>.v8`, relative to the blob directory. */
  readonly blob: string;
  /** Length in bytes. */
  readonly bytes: number;
  /** sha256 of the bytes, hex. */
  readonly sha256: string;
}

const BLOB_PATH = /^[0-9a-f]{64}\/(inputs|outputs)\.v8$/;

/** The blob directory's folder of one job (named by a hash, so no job id can make a path). @internal */
export function jobBlobFolder(jobId: string): string {
  return createHash('sha256').update(jobId).digest('hex');
}

/**
 * Encodes a job's value: as it is when it is small plain JSON (numbers,
 * strings, arrays and plain objects of them); else with `v8Codec`, inline
 * (base64) when small or when there is no blob directory, else written to `<directory>/<job folder>/<name>.v8`
 * (temporary file, then rename, so a reader never sees half of it). @internal
 */
export async function encodeJobValue(value: unknown, blobs: BlobOptions | undefined, jobId: string, name: 'inputs' | 'outputs'): Promise<EncodedValue> {
  if (isPlainJson(value, blobs === undefined ? undefined : (blobs.thresholdBytes ?? DEFAULT_BLOB_THRESHOLD))) return { json: value };
  const bytes = v8Codec.encode(value);
  if (blobs === undefined || bytes.length <= (blobs.thresholdBytes ?? DEFAULT_BLOB_THRESHOLD)) return Buffer.from(bytes).toString('base64');
  const relative = `${jobBlobFolder(jobId)}/${name}.v8`;
  const target = join(resolve(blobs.directory), relative);
  await mkdir(join(resolve(blobs.directory), jobBlobFolder(jobId)), { recursive: true });
  const temporary = `${target}.${randomUUID().slice(0, 8)}.partial`;
  const file = await open(temporary, 'w');
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, target);
  return { blob: relative, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * The value of an {@link EncodedValue}. A blob reference needs the blob
 * directory; its path must be one this module writes (a job cannot make a
 * worker read any other file) and its bytes must match the hash. @internal
 */
export async function decodeJobValue(encoded: EncodedValue, blobs: BlobOptions | undefined, jobId: string): Promise<unknown> {
  if (typeof encoded === 'string') return v8Codec.decode(Buffer.from(encoded, 'base64'));
  if (encoded !== null && typeof encoded === 'object' && Object.prototype.hasOwnProperty.call(encoded, 'json')) return (encoded as InlineJson).json;
  const reference = encoded as BlobReference | null;
  if (reference === null || typeof reference !== 'object' || typeof reference.blob !== 'string' || !BLOB_PATH.test(reference.blob)) {
    throw new Error(`Job ${jobId} carries a value that is neither inline nor a blob reference of this protocol`);
  }
  if (blobs === undefined) {
    throw new Error(`Job ${jobId} carries a ${reference.bytes}-byte value in the blob directory, but this process has none: give coordinator and workers the same shared directory (blobs option, portflow worker --blobs <dir>)`);
  }
  const path = join(resolve(blobs.directory), reference.blob);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new Error(`Job ${jobId}: its ${reference.bytes}-byte value is not in the blob directory (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); is the directory shared by coordinator and workers at the same path?`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length !== reference.bytes || sha256 !== reference.sha256) throw new Error(`Job ${jobId}: the blob ${reference.blob} does not match its hash (damaged or overwritten)`);
  return v8Codec.decode(bytes);
}

/** Removes a job's files from the blob directory (nothing when it has none). @internal */
export async function removeJobBlobs(blobs: BlobOptions | undefined, jobId: string): Promise<void> {
  if (blobs === undefined) return;
  await rm(join(resolve(blobs.directory), jobBlobFolder(jobId)), { recursive: true, force: true });
}
