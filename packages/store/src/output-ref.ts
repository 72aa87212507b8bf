import { isContentHash } from '@portflow/core';
import { isSha256Hex } from './content-hash';

/**
 * An output value kept in the database itself: its encoded bytes, with
 * their content hash and size. Values at or under the inline limit (64 KiB by
 * default) are stored this way.
 */
export interface InlineOutputRef {
  /** Content hash of the encoded bytes (`contentHash` from `@portflow/core`: a sha256, or the bytes themselves when tiny). */
  readonly hash: string;
  /** Size of the encoded bytes. */
  readonly size: number;
  /** The encoded bytes. */
  readonly inline: Uint8Array;
}

/** An output value kept in the blob store, under the sha256 `blob`. */
export interface BlobOutputRef {
  /** Content hash of the encoded bytes (`contentHash` from `@portflow/core`: a sha256, or the bytes themselves when tiny). */
  readonly hash: string;
  /** Size of the encoded bytes. */
  readonly size: number;
  /** Name of the blob holding the bytes (their sha256). */
  readonly blob: string;
}

/**
 * Where one output port's encoded value is stored: inline in the database,
 * or in the blob store. Either way `hash` and `size` describe the encoded
 * bytes, and reading verifies them. Made by `OutputWriter.write`, read by
 * `readOutput`.
 *
 * @example
 * ```ts
 * const ref = await writer.write(v8Codec.encode(table));
 * 'inline' in ref ? 'in the database' : `in blob ${ref.blob}`;
 * ```
 */
export type OutputRef = InlineOutputRef | BlobOutputRef;

/** Whether `ref` holds its bytes inline. */
export function isInlineOutputRef(ref: OutputRef): ref is InlineOutputRef {
  return (ref as Partial<InlineOutputRef>).inline !== undefined;
}

/** What is wrong with `ref` as an output ref of port `port`, or `undefined` when nothing is. @internal */
export function outputRefProblem(port: string, ref: unknown): string | undefined {
  const where = `output '${port}'`;
  if (ref === null || typeof ref !== 'object') return `${where} is not an output ref ({ hash, size, inline } or { hash, size, blob })`;
  const { hash, size, inline, blob } = ref as Partial<InlineOutputRef & BlobOutputRef>;
  if (!isContentHash(hash)) return `${where}: hash ${JSON.stringify(hash)} is not a content hash (a sha256 as 64 lowercase hex digits, or '=' and up to 24 bytes in hex)`;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return `${where}: size ${JSON.stringify(size)} is not a byte count`;
  if ((inline === undefined) === (blob === undefined)) return `${where} must have exactly one of 'inline' (bytes) and 'blob' (a sha256)`;
  if (inline !== undefined) {
    if (!(inline instanceof Uint8Array)) return `${where}: inline must be a Uint8Array`;
    if (inline.length !== size) return `${where}: inline holds ${inline.length} bytes but size says ${size}`;
  } else if (!isSha256Hex(blob)) {
    return `${where}: blob ${JSON.stringify(blob)} is not a sha256 (64 lowercase hex digits)`;
  }
  return undefined;
}
