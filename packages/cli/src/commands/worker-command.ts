import { resolve } from 'node:path';
import { createLogger, isPortflowError } from '@portflow/core';
import { listWorkers, startWorker, type DistributedWorker, type WorkerInfo, type WorkerOptions } from '@portflow/distributed';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { formatDuration, type Terminal } from '../terminal';
import { InputError } from '../workflow-input';
import type { SignalSource } from './run-command';

/** Options of `portflow worker`, as commander parses them. */
export interface WorkerCommandOptions {
  redis?: string;
  prefix?: string;
  queue?: string[];
  buildId?: string;
  concurrency?: string;
  threads?: string;
  require?: string[];
  root?: string;
  blobs?: string;
  lockDuration?: string;
  stalledInterval?: string;
  verbose?: boolean;
}

/** Options of `portflow workers`. */
export interface WorkersCommandOptions {
  redis?: string;
  prefix?: string;
  json?: boolean;
}

/**
 * `portflow worker`: starts a `@portflow/distributed` worker on the given
 * queues, prints one `portflow worker ready ...` line on stdout once it
 * takes jobs, and runs until SIGTERM or SIGINT, which drain it (running
 * jobs finish, no new ones are taken, its heartbeat is removed); it then
 * resolves with exit code 0. A second signal exits at once with 130. Logs
 * go to stderr.
 */
export async function workerCommand(options: WorkerCommandOptions, terminal: Terminal, signals: SignalSource, forceExit: (code: number) => void): Promise<ExitCode> {
  const workerOptions = parseWorkerOptions(options, terminal);
  const logger = createLogger(
    (entry) => terminal.stderr.write(`${entry.level} ${String(entry.message)}${entry.fields !== undefined && Object.keys(entry.fields).length > 0 ? ` ${JSON.stringify(entry.fields)}` : ''}\n`),
    options.verbose ? 'debug' : 'info',
  );
  let worker: DistributedWorker;
  try {
    worker = await startWorker({ ...workerOptions, logger });
  } catch (error) {
    if (isPortflowError(error)) throw new InputError(`portflow worker: ${error.message}`);
    const message = error instanceof Error ? error.message : String(error);
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND' || error instanceof SyntaxError) {
      throw new InputError(`portflow worker: cannot load an operation module given with --require (${message}); give paths relative to --root (${workerOptions.root}) or installed package names`);
    }
    throw error;
  }
  const { queues, buildId, concurrency, threads, id } = worker.info();
  terminal.stdout.write(
    `portflow worker ready: pid ${process.pid}, queue${queues.length === 1 ? '' : 's'} ${queues.join(', ')} (build ${buildId}), concurrency ${concurrency}, threads ${threads}, prefix ${workerOptions.prefix}, id ${id}\n`,
  );
  await new Promise<void>((resolve) => {
    let received = 0;
    const onSignal = (): void => {
      if (++received > 1) {
        terminal.stderr.write('portflow worker: second signal, exiting without waiting for running jobs\n');
        forceExit(EXIT_CODES.cancelled);
        return;
      }
      terminal.stderr.write(`portflow worker: draining (${worker.active} job${worker.active === 1 ? '' : 's'} running; a second signal exits at once)\n`);
      void worker.close().then(() => {
        signals.off('SIGINT', onSignal);
        signals.off('SIGTERM', onSignal);
        resolve();
      });
    };
    signals.on('SIGINT', onSignal);
    signals.on('SIGTERM', onSignal);
  });
  terminal.stderr.write('portflow worker: drained, stopped\n');
  return EXIT_CODES.success;
}

/**
 * `portflow workers`: the live workers under a prefix (from their
 * heartbeats), as a table or, with `--json`, as `{ "workers": [...] }`.
 */
export async function workersCommand(options: WorkersCommandOptions, terminal: Terminal): Promise<ExitCode> {
  const redis = redisUrl(options.redis, terminal);
  const prefix = options.prefix ?? terminal.env.PORTFLOW_PREFIX ?? 'portflow';
  const workers = await listWorkers({ connection: redis, prefix });
  if (options.json) {
    terminal.stdout.write(`${JSON.stringify({ prefix, workers })}\n`);
    return EXIT_CODES.success;
  }
  if (workers.length === 0) {
    terminal.stdout.write(`No live workers under prefix '${prefix}'. Start one with: portflow worker --redis ${redis} --prefix ${prefix} --queue cpu --require ./dist/operations.js\n`);
    return EXIT_CODES.success;
  }
  const now = Date.now();
  const rows = workers.map((w: WorkerInfo) => [
    w.host,
    String(w.pid),
    w.queues.join(','),
    w.buildId,
    String(w.concurrency),
    String(w.threads),
    String(w.running),
    formatDuration(Math.max(0, now - w.startedAt)),
    `${formatDuration(Math.max(0, now - w.beatAt))} ago`,
    w.version,
    w.node,
  ]);
  terminal.stdout.write(table(['host', 'pid', 'queues', 'build', 'concurrency', 'threads', 'running', 'up', 'heartbeat', 'version', 'node'], rows));
  terminal.stdout.write(`${workers.length} worker${workers.length === 1 ? '' : 's'} under prefix '${prefix}'\n`);
  return EXIT_CODES.success;
}

/** The Redis URL of `--redis` or `$PORTFLOW_REDIS`, checked. */
export function redisUrl(given: string | undefined, terminal: Terminal): string {
  const url = given ?? terminal.env.PORTFLOW_REDIS;
  if (url === undefined || url === '') throw new InputError('portflow: --redis <url> is required (or set PORTFLOW_REDIS), e.g. --redis redis://127.0.0.1:6379');
  if (!/^rediss?:\/\//.test(url)) throw new InputError(`portflow: --redis must be a redis:// or rediss:// URL, not '${url}'`);
  return url;
}

function count(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InputError(`portflow worker: --${name} must be a whole number >= ${min}, not '${value}'`);
  return n;
}

function parseWorkerOptions(options: WorkerCommandOptions, terminal: Terminal): WorkerOptions & { prefix: string; root: string } {
  const connection = redisUrl(options.redis, terminal);
  const queues = options.queue ?? [];
  if (queues.length === 0) throw new InputError('portflow worker: --queue <name> is required (repeatable), e.g. --queue cpu');
  const concurrency = count('concurrency', options.concurrency, 1);
  const threads = count('threads', options.threads, 0);
  const lockDuration = count('lock-duration', options.lockDuration, 1);
  const stalledInterval = count('stalled-interval', options.stalledInterval, 1);
  return {
    connection,
    queue: queues,
    prefix: options.prefix ?? terminal.env.PORTFLOW_PREFIX ?? 'portflow',
    root: options.root ?? terminal.cwd,
    ...(options.blobs === undefined ? {} : { blobs: { directory: resolve(terminal.cwd, options.blobs) } }),
    ...(options.buildId === undefined ? {} : { buildId: options.buildId }),
    ...(options.require === undefined ? {} : { require: options.require }),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(threads === undefined ? {} : { threads }),
    ...(lockDuration === undefined ? {} : { lockDuration }),
    ...(stalledInterval === undefined ? {} : { stalledInterval }),
  };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => `${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`;
  return line(header) + rows.map(line).join('');
}
