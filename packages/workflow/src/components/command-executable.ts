import { constants } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, resolve } from 'node:path';
import { CommandError, type CommandErrorDetails } from './command-error';

/** The step an error is about, and where it is written. @internal */
export type CommandPlace = Pick<CommandErrorDetails, 'step' | 'location'>;

/** Where executables are looked for when the command's environment has no PATH. */
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * The absolute path of the executable `command` names: a name with a slash
 * is a path, resolved against the workflow's directory; a bare name is
 * looked up in the directories of `searchPath` (the command's own PATH), as
 * the shell would. Throws a `not-found` {@link CommandError} when there is
 * none. @internal
 */
export async function resolveExecutable(place: CommandPlace, command: string, searchPath: string | undefined, directory: string): Promise<string> {
  if (command.includes('/') || (process.platform === 'win32' && command.includes('\\'))) return resolve(directory, command);
  const folders = (searchPath ?? DEFAULT_PATH).split(delimiter).filter((folder) => folder !== '');
  for (const folder of folders) {
    const candidate = resolve(folder, command);
    if (await isExecutableFile(candidate)) return candidate;
  }
  throw new CommandError(
    'not-found',
    `executable '${command}' was not found on PATH (${folders.join(delimiter) || 'empty'}). ` +
      `Install it, add its folder to PATH, or give its path (a relative path with a '/' is resolved against the workflow's directory ${directory}).`,
    { ...place, executable: command },
  );
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why `executable` could not be started, as a {@link CommandError} that
 * says how to fix it. `error` is what `spawn` reported. @internal
 */
export async function spawnFailure(place: CommandPlace, executable: string, error: unknown, directory: string): Promise<CommandError> {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const where = isAbsolute(executable) ? '' : ` (relative to ${directory})`;
  const details = { ...place, executable };
  const options = { cause: error };
  const info = await stat(executable).catch(() => undefined);
  if (code === 'ENOENT') {
    if (info === undefined) {
      return new CommandError('not-found', `executable ${executable}${where} does not exist. Relative paths are resolved against the workflow's directory ${directory}; check the path.`, details, options);
    }
    const interpreter = await firstLine(executable);
    if (interpreter?.startsWith('#!')) {
      return new CommandError('not-found', `${executable} starts with '${interpreter}', but that interpreter does not exist here. Install it or fix the #! line.`, details, options);
    }
    return new CommandError('not-found', `could not start ${executable}: ${describe(error)}`, details, options);
  }
  if (code === 'EACCES') {
    const fix = info?.isDirectory()
      ? 'it is a directory; name the program inside it'
      : `make it executable (chmod +x ${executable}), or run it through its interpreter (command: sh, args: [${executable}])`;
    return new CommandError('not-executable', `${executable} may not be run (permission denied): ${fix}.`, details, options);
  }
  return new CommandError('spawn-failed', `could not start ${executable}: ${describe(error)}`, details, options);
}

/** The first line of a file (at most 200 bytes), for its `#!` line. */
async function firstLine(path: string): Promise<string | undefined> {
  try {
    const file = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(200);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
      return buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0]!.trimEnd();
    } finally {
      await file.close();
    }
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
