/**
 * Worker processes for tests: the built `portflow worker` (the CLI's
 * `dist/bin.js`) or `dist/worker-main.js`, started and ended by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as Fixtures from '../__fixtures__/operations';
import { REDIS_URL } from './redis';

/** The package directory: the workers' root, against which refs name `./dist/__fixtures__/operations.js`. */
export const PACKAGE_DIR = join(__dirname, '..', '..');
const WORKER_MAIN = join(PACKAGE_DIR, 'dist', 'worker-main.js');
/** The built `portflow` command (`@portflow/cli`). */
const CLI_BIN = join(PACKAGE_DIR, '..', 'cli', 'dist', 'bin.js');
const FIXTURE_MODULE = join(PACKAGE_DIR, 'dist', '__fixtures__', 'operations.js');
const UNLISTED_MODULE = join(PACKAGE_DIR, 'dist', '__fixtures__', 'unlisted-operations.js');

function requireBuilt<T>(file: string): T {
  if (!existsSync(file)) throw new Error(`${file} is missing: build @portflow/distributed first (npm run build)`);
  return require(file) as T; // eslint-disable-line @typescript-eslint/no-require-imports
}

/** The fixture operations, from the build (worker processes load JavaScript). */
export function loadFixtures(): typeof Fixtures {
  return requireBuilt(FIXTURE_MODULE);
}

/** The fixture module no test worker is allowed to load. */
export function loadUnlisted(): typeof import('../__fixtures__/unlisted-operations') {
  return requireBuilt(UNLISTED_MODULE);
}

/** A worker child process. */
export interface WorkerProcess {
  readonly pid: number;
  /** Resolves with the exit code (null when a signal ended it) when the process has exited. */
  readonly exited: Promise<number | null>;
  /** What it wrote to stdout so far. */
  stdout(): string;
  /** SIGTERM (drain), then waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

/** Options of a test worker. */
export interface SpawnOptions {
  readonly prefix: string;
  readonly queue: string;
  readonly concurrency?: number;
  readonly lockDuration?: number;
  readonly stalledInterval?: number;
  /** Threads of the worker's pool (default: its default, `concurrency`). */
  readonly threads?: number;
  /** Start `portflow worker` (the built CLI) instead of `dist/worker-main.js`. */
  readonly cli?: boolean;
  /** The blob directory shared with the coordinator (`--blobs`). */
  readonly blobs?: string;
}

/** Starts `node dist/worker-main.js` (or `portflow worker`) in the package directory and waits for its `ready` line. */
export function spawnWorker(options: SpawnOptions): Promise<WorkerProcess> {
  const entry = options.cli === true ? [CLI_BIN, 'worker'] : [WORKER_MAIN];
  if (!existsSync(entry[0]!)) throw new Error(`${entry[0]} is missing: build first (npm run build, or npx turbo run build)`);
  const args = [...entry, '--redis', REDIS_URL, '--prefix', options.prefix, '--queue', options.queue, '--build-id', 'test', '--root', PACKAGE_DIR];
  args.push('--require', './dist/__fixtures__/operations.js', '--concurrency', String(options.concurrency ?? 1));
  if (options.threads !== undefined) args.push('--threads', String(options.threads));
  if (options.lockDuration !== undefined) args.push('--lock-duration', String(options.lockDuration));
  if (options.stalledInterval !== undefined) args.push('--stalled-interval', String(options.stalledInterval));
  if (options.blobs !== undefined) args.push('--blobs', options.blobs);
  const child: ChildProcess = spawn(process.execPath, args, { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('ready')) {
        resolve({
          pid: child.pid!,
          exited,
          stdout: () => stdout,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            await exited;
          },
          async kill() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
            await exited;
          },
        });
      }
    });
    void exited.then(() => reject(new Error(`worker exited before it was ready: ${stderr}`)));
  });
}
