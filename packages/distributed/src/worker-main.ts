#!/usr/bin/env node
/**
 * A worker process: `node dist/worker-main.js --redis URL --queue Q
 * [--queue Q2 ...] [--prefix P] [--build-id B] [--concurrency N]
 * [--threads T] [--root DIR] [--blobs DIR] [--require ./dist/ops.js ...]
 * [--lock-duration MS] [--stalled-interval MS]`. Prints `ready <pid>` when
 * it takes jobs; SIGTERM or SIGINT drains it (the running jobs finish) and
 * exits. `portflow worker` (in `@portflow/cli`) is the same with a CLI's
 * help and output; this entry needs no CLI installed.
 * @internal
 */
import { createLogger } from '@portflow/core';
import { startWorker, type WorkerOptions } from './worker';

function parse(argv: readonly string[]): WorkerOptions {
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (!flag.startsWith('--') || value === undefined) throw new Error(`unexpected argument '${flag}'${value === undefined ? ' (missing its value)' : ''}`);
    values.set(flag.slice(2), [...(values.get(flag.slice(2)) ?? []), value]);
    i++;
  }
  const one = (name: string): string | undefined => values.get(name)?.at(-1);
  const number = (name: string, min = 1): number | undefined => {
    const v = one(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min} (got ${v})`);
    return n;
  };
  const redis = one('redis');
  const queue = values.get('queue');
  if (redis === undefined || queue === undefined) throw new Error('--redis URL and --queue NAME are required');
  const known = new Set(['redis', 'queue', 'prefix', 'build-id', 'concurrency', 'threads', 'root', 'require', 'lock-duration', 'stalled-interval', 'blobs']);
  for (const name of values.keys()) if (!known.has(name)) throw new Error(`unknown option --${name}`);
  const options: WorkerOptions = {
    connection: redis,
    queue,
    ...(one('prefix') === undefined ? {} : { prefix: one('prefix') }),
    ...(one('build-id') === undefined ? {} : { buildId: one('build-id') }),
    ...(one('root') === undefined ? {} : { root: one('root') }),
    ...(one('blobs') === undefined ? {} : { blobs: { directory: one('blobs')! } }),
    ...(values.has('require') ? { require: values.get('require') } : {}),
    concurrency: number('concurrency') ?? 1,
    threads: number('threads', 0),
    lockDuration: number('lock-duration'),
    stalledInterval: number('stalled-interval'),
  };
  return options;
}

async function main(): Promise<void> {
  let options: WorkerOptions;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`portflow worker: ${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const logger = createLogger((entry) => process.stderr.write(`${entry.level} ${String(entry.message)} ${JSON.stringify(entry.fields ?? {})}\n`), 'info');
  const worker = await startWorker({ ...options, logger });
  process.stdout.write(`ready ${process.pid}\n`);
  let signals = 0;
  const stop = (): void => {
    if (++signals > 1) process.exit(130);
    void worker.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`portflow worker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
