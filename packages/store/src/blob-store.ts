/** What `BlobStore.put` stored: the content's sha256 and its size. */
export interface BlobInfo {
  /** sha256 of the bytes, 64 lowercase hex digits: the blob's name. */
  readonly hash: string;
  /** Size in bytes. */
  readonly size: number;
}

/**
 * Content-addressed storage for output values too large to keep in the
 * database: bytes are stored under their sha256, so equal values are stored
 * once, and every read verifies the hash. {@link DirectoryBlobStore} keeps
 * them as files.
 *
 * @example
 * ```ts
 * const blobs = new DirectoryBlobStore('.portflow/objects');
 * const { hash } = await blobs.put(bytes);
 * const same = await blobs.get(hash); // throws BlobCorruptError if the file was damaged
 * ```
 */
export interface BlobStore {
  /** Where the blobs are, for messages. */
  readonly location: string;
  /** Stores `bytes` under their sha256. Idempotent: storing the same bytes again writes nothing. */
  put(bytes: Uint8Array): Promise<BlobInfo>;
  /**
   * The bytes stored under `hash`, verified. Throws a `BlobMissingError`
   * when there are none and a `BlobCorruptError` when they no longer hash to
   * `hash` (changed or truncated).
   */
  get(hash: string): Promise<Uint8Array>;
  /** Whether a blob named `hash` is stored (not verified). */
  has(hash: string): Promise<boolean>;
  /** Removes the blob; `false` when there was none. */
  delete(hash: string): Promise<boolean>;
  /** The hashes of every stored blob, sorted. */
  list(): Promise<string[]>;
}
