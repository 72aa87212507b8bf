import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreLocationError } from './errors';
import { maskPassword } from './url-password';
import { isPostgresUrl, parsePostgresLocation, type PostgresLocation } from './postgres/postgres-location';

/** Where a SQLite store lives. @internal */
export interface SqliteLocation {
  readonly kind: 'sqlite';
  /** The database file, absolute. */
  readonly file: string;
}

/** A parsed `openRunStore` location. @internal */
export type StoreLocation = SqliteLocation | PostgresLocation;

/** The location `openRunStore` uses when given none: a SQLite file under the working directory. */
export const DEFAULT_STORE_LOCATION = '.portflow/store.db';

/** The file name of a SQLite store inside a directory given as its location. */
const FILE_IN_DIRECTORY = 'store.db';

/**
 * What `location` names: a PostgreSQL URL, a `file:` URL or a path (a
 * directory means `store.db` inside it). Throws a `StoreLocationError` for
 * anything else. @internal
 */
export function parseLocation(location: string, schema: string | undefined): StoreLocation {
  if (typeof location !== 'string' || location.trim() === '') throw new StoreLocationError(String(location), 'the location is empty');
  if (isPostgresUrl(location)) return parsePostgresLocation(location, schema);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'file') {
    const hint = scheme === 'libsql' || scheme === 'http' || scheme === 'https' ? ' (remote libSQL/Turso databases are not supported)' : '';
    throw new StoreLocationError(maskPassword(location), `'${scheme}://' is not a supported kind of store${hint}`);
  }
  if (schema !== undefined) throw new StoreLocationError(location, `the 'schema' option applies to PostgreSQL only, and this is a SQLite path`);
  let path: string;
  try {
    path = scheme === 'file' ? fileURLToPath(location) : location;
  } catch (error) {
    throw new StoreLocationError(location, `it is not a valid file URL (${error instanceof Error ? error.message : String(error)})`);
  }
  const file = resolve(path);
  return { kind: 'sqlite', file: location.endsWith('/') || isDirectory(file) ? join(file, FILE_IN_DIRECTORY) : file };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
