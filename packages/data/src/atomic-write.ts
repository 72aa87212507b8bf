import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `target` atomically: `write` fills a temporary file in the same
 * directory, which is renamed over `target` only when `write` succeeds. A
 * failed or cancelled write removes the temporary file, so `target` is
 * either the old file or the complete new one, never a partial one.
 * @internal
 */
export async function writeAtomically(target: string, write: (temporaryPath: string) => Promise<void>): Promise<void> {
  const directory = dirname(target);
  await mkdir(directory, { recursive: true });
  const temporary = join(directory, `.${basename(target)}.${randomUUID().slice(0, 8)}.partial`);
  try {
    await write(temporary);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true, recursive: true });
    throw error;
  }
}
