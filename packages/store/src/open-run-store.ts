import { dirname, join, resolve } from 'node:path';
import type { BlobStore } from './blob-store';
import { DirectoryBlobStore } from './directory-blob-store';
import type { GroupCommitOptions } from './group-commit';
import { openPostgresBackend, POSTGRES_DEFAULTS } from './postgres/open-postgres-backend';
import type { RunStore } from './run-store';
import { SqlRunStore } from './sql-run-store';
import { DEFAULT_BUSY_TIMEOUT_MS, openSqliteBackend } from './sqlite/sqlite-backend';
import { DEFAULT_STORE_LOCATION, parseLocation } from './store-location';

/** Options of {@link openRunStore}. */
export interface OpenRunStoreOptions {
  /**
   * Where outputs over the inline limit go: a directory, or any
   * `BlobStore`. Default: `objects` next to a SQLite file, and
   * `.portflow/objects` under the working directory for PostgreSQL.
   */
  readonly blobs?: string | BlobStore;
  /** Encoded outputs of at most this many bytes are stored inline in the database. Default 64 KiB. */
  readonly inlineLimit?: number;
  /** How queued writes are grouped into transactions. */
  readonly groupCommit?: GroupCommitOptions;
  /** SQLite: how long a write waits for another connection's transaction, in ms. Default 5000. */
  readonly busyTimeoutMs?: number;
  /** PostgreSQL: the schema holding the store's tables (created if missing). Default `portflow`; a URL's `?schema=` sets it too. */
  readonly schema?: string;
  /** PostgreSQL: connections in the pool. Default 4. */
  readonly maxConnections?: number;
  /** PostgreSQL: how long to wait for a connection, in ms. Default 10,000. */
  readonly connectTimeoutMs?: number;
}

/**
 * Opens the run store at `location`, creating its database and tables (or
 * migrating older ones) as needed:
 *
 * - a file path (or `file:` URL): SQLite, one file (a directory means
 *   `store.db` inside it); default {@link DEFAULT_STORE_LOCATION};
 * - `postgres://user@host:5432/database?schema=name` (or `postgresql://`):
 *   PostgreSQL, tables in their own schema.
 *
 * Anything else throws a `StoreLocationError` listing these forms; a
 * database that cannot be reached, a `StoreUnavailableError` saying where
 * and how to fix it; a store written by a newer schema, a
 * `StoreSchemaError`. Close the store when done (`await using` does).
 *
 * @example
 * ```ts
 * await using local = await openRunStore('.portflow/store.db');
 * await using shared = await openRunStore('postgres://portflow@db.internal:5432/ops?schema=nightly');
 * ```
 */
export async function openRunStore(location: string = DEFAULT_STORE_LOCATION, options: OpenRunStoreOptions = {}): Promise<RunStore> {
  const parsed = parseLocation(location, options.schema);
  if (parsed.kind === 'sqlite') {
    const backend = openSqliteBackend(parsed, { busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
    const blobs = blobStore(options.blobs, join(dirname(parsed.file), 'objects'));
    return new SqlRunStore({ location: parsed.file, backend, blobs, inlineLimit: options.inlineLimit, groupCommit: options.groupCommit });
  }
  const backend = await openPostgresBackend(parsed, {
    maxConnections: options.maxConnections ?? POSTGRES_DEFAULTS.maxConnections,
    connectTimeoutMs: options.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs,
  });
  const blobs = blobStore(options.blobs, resolve('.portflow', 'objects'));
  return new SqlRunStore({ location: parsed.display, backend, blobs, inlineLimit: options.inlineLimit, groupCommit: options.groupCommit });
}

function blobStore(given: string | BlobStore | undefined, fallback: string): BlobStore {
  return typeof given === 'object' ? given : new DirectoryBlobStore(given ?? fallback);
}
