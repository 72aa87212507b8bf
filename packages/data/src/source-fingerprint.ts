import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DataSourceError } from './errors';
import type { TableRef, TableSource } from './table-ref';

/** Files up to this size are fingerprinted by content; larger ones by size and modification time. */
export const CONTENT_HASH_LIMIT = 1024 * 1024;

/**
 * The fingerprint of the file at `path` (absolute): size and sha256 for
 * small files, size and mtime for larger ones. Throws a
 * {@link DataSourceError} naming `where` and the path when it cannot be read.
 * @internal
 */
export async function fingerprint(path: string, where: string): Promise<TableSource> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new DataSourceError(path, `${where}: cannot read ${path}: ${why}`, { cause: error });
  }
  if (!info.isFile()) throw new DataSourceError(path, `${where}: cannot read ${path}: not a file`);
  if (info.size > CONTENT_HASH_LIMIT) return { path, size: info.size, mtimeMs: info.mtimeMs };
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { path, size: info.size, sha256: hash.digest('hex') };
}

/**
 * Checks that every source of `table` is still the file the reading step
 * saw; throws a {@link DataSourceError} when one changed or disappeared,
 * rather than silently computing from other data than the table's hash says.
 * @internal
 */
export async function verifySources(table: TableRef, where: string): Promise<void> {
  for (const source of table.sources) {
    const now = await fingerprint(source.path, where);
    const same = source.sha256 !== undefined ? now.sha256 === source.sha256 : now.size === source.size && now.mtimeMs === source.mtimeMs;
    if (!same) {
      throw new DataSourceError(source.path, `${where}: ${source.path} changed after it was read (its fingerprint differs): run the steps that read it again`);
    }
  }
}
