import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { InvalidOptionsError, ModuleResolver, silentLogger, type ExecutionContext, type LogFields, type Logger, type LogLevel, type Operation } from '@portflow/core';
import { createWorkerExecutor, WORKER_RESOURCES, type WorkerPoolExecutor } from '@portflow/workers';
import { bullmqConnection, checkRedisServer, redisOptions, type RedisConnection } from './connection';
import { Heartbeat, type WorkerInfo } from './fleet';
import {
  cancelChannelOf,
  cancelKeyOf,
  decodeValue,
  PROTOCOL_VERSION,
  queueNameOf,
  serializeError,
  type JobData,
  type JobLog,
  type JobOutcome,
  type JobProgress,
} from './protocol';
import { codeHashOf } from './code-hash';
import { decodeJobValue, encodeJobValue, type BlobOptions } from './job-values';

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  /** Where Redis is. */
  connection: RedisConnection;
  /**
   * The queue's logical name (`cpu`), or several: the worker takes jobs of
   * these queues and its build id (one BullMQ worker per queue, each with
   * `concurrency`).
   */
  queue: string | readonly string[];
  /** Prefix of every Redis key (default `portflow`): the coordinator's. */
  prefix?: string;
  /** The build id (default `dev`): the coordinator's. */
  buildId?: string;
  /** Jobs run at once, per queue (default 1). */
  concurrency?: number;
  /**
   * Worker threads (a `@portflow/workers` piscina pool, started on first
   * use) that run `cpu_bound` and `memory_bound` operations, so that the
   * worker's event loop stays free to renew its jobs' locks (default:
   * `concurrency` × the number of queues). `0` runs them on the event loop:
   * then an operation that computes synchronously for longer than
   * `lockDuration` loses its lock and runs twice. Other operations
   * (`io_bound`, `network_bound`, and `@MainThread()` ones) always run on
   * the event loop.
   */
  threads?: number;
  /** The directory relative module specifiers resolve against (default: the current directory); packages are looked up from it. */
  root?: string;
  /**
   * The operation modules this worker may load (`./dist/ops.js`,
   * `@acme/ops`), loaded at start. Refs naming any other module are refused:
   * a job's ref is data from the network. Empty (the default): any module
   * under `root` or any installed package.
   */
  require?: readonly string[];
  /**
   * How long a job's lock lasts without renewal, in ms (default 5000): a
   * worker that dies is noticed after about `lockDuration` + one to two
   * `stalledInterval`s, and its jobs run again on another worker.
   */
  lockDuration?: number;
  /** How often this worker looks for stalled jobs, in ms (default 2000). */
  stalledInterval?: number;
  /** How many times a job may stall before BullMQ fails it (default 2); the engine may then retry the attempt. */
  maxStalledCount?: number;
  /**
   * How often the worker writes its heartbeat (see `listWorkers`), in ms
   * (default `lockDuration / 2`). The heartbeat expires after three times
   * this: a worker that died stops counting as serving its queues then.
   */
  heartbeatMs?: number;
  /** Where this worker logs what happens outside jobs, and the parent of each job's logger (default: silent). */
  logger?: Logger;
  /** The blob directory shared with the coordinator, for values too large to travel in a job (see `BlobOptions`). */
  blobs?: BlobOptions;
}

/** A running worker; see {@link startWorker}. */
export interface DistributedWorker {
  /** Its id in the fleet (`host:pid:random`), as `listWorkers` shows it. */
  readonly id: string;
  /** The Redis name of its (first) queue. */
  readonly queueName: string;
  /** The Redis names of all its queues (`cpu-<buildId>`). */
  readonly queueNames: readonly string[];
  /** Threads of its pool for `cpu_bound` / `memory_bound` operations (0: they run on the event loop). */
  readonly threads: number;
  /** Jobs this worker is running now. */
  readonly active: number;
  /** What its heartbeat says now. */
  info(): WorkerInfo;
  /**
   * Removes its heartbeat (coordinators no longer count it), stops taking
   * jobs, waits for the running ones (drain), ends its threads and closes
   * its connections. Safe to call twice.
   */
  close(): Promise<void>;
}

/**
 * Starts a worker that takes jobs of a {@link BullMQExecutor}'s queue (or
 * several): for each job it resolves the operation from the job's ref with
 * core's `ModuleResolver` (specifiers relative to `root` or packages;
 * absolute paths, URLs and paths outside `root` are refused), decodes the
 * inputs, runs the operation with an `ExecutionContext` (`signal`,
 * `logger`, `reportProgress` through `job.updateProgress`), and returns the
 * encoded outputs, or the error, as the job's outcome. `cpu_bound` and
 * `memory_bound` operations run on a pool of `threads` worker threads,
 * never on the event loop that renews the jobs' locks.
 *
 * Checks first that Redis has `maxmemory-policy noeviction`. While it runs
 * it writes a heartbeat every `heartbeatMs` (see `listWorkers`), which
 * coordinators read before a run's first job on a queue. A cancel message
 * from the coordinator aborts the job's `context.signal`.
 *
 * @example
 * ```ts
 * const worker = await startWorker({ connection: 'redis://127.0.0.1:6379', queue: 'cpu', concurrency: 4, threads: 4, require: ['./dist/ops.js'] });
 * process.once('SIGTERM', () => void worker.close());
 * ```
 */
export async function startWorker(options: WorkerOptions): Promise<DistributedWorker> {
  const problems = optionProblems(options);
  if (problems.length > 0) throw new InvalidOptionsError('worker options', problems);
  const prefix = options.prefix ?? 'portflow';
  const buildId = options.buildId ?? 'dev';
  const queues = [...new Set(typeof options.queue === 'string' ? [options.queue] : options.queue)];
  const queueNames = queues.map((queue) => queueNameOf(queue, buildId));
  const root = resolve(options.root ?? process.cwd());
  const logger = options.logger ?? silentLogger;
  const concurrency = options.concurrency ?? 1;
  const threads = options.threads ?? concurrency * queues.length;
  const lockDuration = options.lockDuration ?? 5000;
  const heartbeatMs = options.heartbeatMs ?? Math.max(1, Math.floor(lockDuration / 2));
  const allowed = options.require ?? [];
  const resolver = new ModuleResolver({ root, ...(allowed.length > 0 ? { allow: allowed } : {}) });
  for (const specifier of allowed) preload(root, specifier);

  const connection = redisOptions(options.connection);
  const redis = new Redis(connection);
  const subscriber = new Redis(connection);
  const pool = threads > 0 ? createWorkerExecutor({ threads, root, logger }) : undefined;
  let active = 0;
  const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const startedAt = Date.now();
  const info = (): WorkerInfo => ({
    id,
    host: hostname(),
    pid: process.pid,
    queues,
    queueNames,
    buildId,
    concurrency,
    threads,
    version: VERSION,
    node: process.versions.node,
    startedAt,
    beatAt: Date.now(),
    running: active,
    heartbeatMs,
  });
  const heartbeat = new Heartbeat(redis, prefix, info);
  try {
    for (const warning of await checkRedisServer(redis)) logger.warn(warning);
    await subscriber.subscribe(...queueNames.map((name) => cancelChannelOf(prefix, name)));
  } catch (error) {
    redis.disconnect();
    subscriber.disconnect();
    await pool?.close();
    throw error;
  }
  const running = new Map<string, Worker<JobData, JobOutcome>>();
  const cancels = new HeardCancels(() => subscriber.status === 'ready');
  for (const queueName of queueNames) {
    const services: JobServices = { resolver, redis, prefix, queueName, logger, pool, blobs: options.blobs, cancels, root };
    const processor = async (job: Job<JobData>, _token?: string, signal?: AbortSignal): Promise<JobOutcome> => {
      active++;
      try {
        return await runJob(job, signal ?? new AbortController().signal, services);
      } finally {
        active--;
      }
    };
    const worker = new Worker<JobData, JobOutcome>(queueName, processor, {
      connection: bullmqConnection(connection),
      prefix,
      concurrency,
      lockDuration,
      stalledInterval: options.stalledInterval ?? 2000,
      maxStalledCount: options.maxStalledCount ?? 2,
    });
    worker.on('error', (error) => logger.error('worker error', { queue: queueName, error: error.message }));
    running.set(cancelChannelOf(prefix, queueName), worker);
  }
  subscriber.on('message', (channel: string, message: string) => {
    try {
      const { jobId, reason } = JSON.parse(message) as { jobId: string; reason: string };
      cancels.heard(jobId, reason);
      running.get(channel)?.cancelJob(jobId, reason);
    } catch {
      // not a cancel message
    }
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await heartbeat.stop();
      await Promise.allSettled([...running.values()].map((worker) => worker.close()));
      await pool?.close();
      await Promise.allSettled([subscriber.quit(), redis.quit()]);
    })());
  try {
    await Promise.all([...running.values()].map((worker) => worker.waitUntilReady()));
    await heartbeat.start();
  } catch (error) {
    await close();
    throw error;
  }
  return {
    id,
    queueName: queueNames[0]!,
    queueNames,
    threads,
    get active() {
      return active;
    },
    info,
    close,
  };
}

/** The version of this package, for heartbeats. */
const VERSION: string = (() => {
  try {
    return (require('../package.json') as { version: string }).version; // eslint-disable-line @typescript-eslint/no-require-imports
  } catch {
    return '0.0.0';
  }
})();

function isCount(value: unknown, min: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}

function optionProblems(o: WorkerOptions): string[] {
  const problems: string[] = [];
  const queues = typeof o.queue === 'string' ? [o.queue] : o.queue;
  if (!Array.isArray(queues) || queues.length === 0 || !queues.every((q) => typeof q === 'string' && q.length > 0)) {
    problems.push(`queue must be a queue name or a non-empty list of them (got ${JSON.stringify(o.queue)})`);
  }
  for (const key of ['concurrency', 'lockDuration', 'stalledInterval', 'maxStalledCount', 'heartbeatMs'] as const) {
    if (o[key] !== undefined && !isCount(o[key], 1)) problems.push(`${key} must be a whole number >= 1 (got ${String(o[key])})`);
  }
  if (o.threads !== undefined && !isCount(o.threads, 0)) problems.push(`threads must be a whole number >= 0 (got ${String(o.threads)})`);
  return problems;
}

interface JobServices {
  readonly resolver: ModuleResolver;
  readonly redis: Redis;
  /** The directory module specifiers are relative to. */
  readonly root: string;
  /** The cancel messages this worker received, and whether it is receiving them. */
  readonly cancels: HeardCancels;
  readonly prefix: string;
  readonly queueName: string;
  readonly logger: Logger;
  /** Runs cpu_bound and memory_bound operations off the event loop; undefined with `threads: 0`. */
  readonly pool: WorkerPoolExecutor | undefined;
  /** Where large values travel, if anywhere. */
  readonly blobs: BlobOptions | undefined;
}

/**
 * The jobs a worker heard cancelled (the most recent 10,000): a job taken
 * after its cancel message went out is refused without asking Redis.
 * While the subscription is down (`listening()` false) messages may be
 * missed, and the job's cancel key is read instead.
 */
class HeardCancels {
  readonly #reasons = new Map<string, string>();

  constructor(readonly listening: () => boolean) {}

  heard(jobId: string, reason: string): void {
    this.#reasons.set(jobId, reason);
    if (this.#reasons.size > 10_000) this.#reasons.delete(this.#reasons.keys().next().value!);
  }

  reason(jobId: string): string | undefined {
    return this.#reasons.get(jobId);
  }
}

/** One job: one attempt of one operation; its outcome is the job's return value (errors included, as data). */
async function runJob(job: Job<JobData>, signal: AbortSignal, services: JobServices): Promise<JobOutcome> {
  const data = job.data;
  try {
    if (data?.protocol !== PROTOCOL_VERSION) throw new Error(`Job ${String(job.id)} has protocol ${String(data?.protocol)}; this worker reads protocol ${PROTOCOL_VERSION}: deploy the same @portflow/distributed everywhere`);
    // Cancel messages this worker heard say it without a round trip; the key is read only while the subscription is down.
    const cancelled = services.cancels.reason(String(job.id)) ?? (services.cancels.listening() ? null : await services.redis.get(cancelKeyOf(services.prefix, services.queueName, String(job.id))));
    if (cancelled !== null) return { ok: false, error: serializeError(new Error(`cancelled before it started: ${cancelled}`)), aborted: true };
    const operation = await services.resolver.resolve(data.ref);
    if (data.codeHash !== undefined) {
      const here = codeHashOf(data.ref.module, services.root);
      if (here !== undefined && here !== data.codeHash) {
        throw new Error(
          `Job ${String(job.id)}: this worker's ${data.ref.module!.specifier} (sha256 ${here.slice(0, 12)}...) is not the file the coordinator built the job for (${data.codeHash.slice(0, 12)}...): ` +
            'deploy the same build to coordinator and workers, and give each build its own --build-id so that workers take only jobs of their own build',
        );
      }
    }
    const inputs = (await decodeJobValue(data.inputs, services.blobs, String(job.id))) as Record<string, unknown>;
    const context = jobContext(job, signal, services.logger);
    const outputs = await (onPool(operation, services.pool) ? services.pool!.execute(operation, inputs, context) : operation.execute(inputs, context));
    return { ok: true, outputs: await encodeJobValue(outputs, services.blobs, String(job.id), 'outputs') };
  } catch (error) {
    return { ok: false, error: serializeError(error), ...(signal.aborted ? { aborted: true } : {}) };
  }
}

/** Whether `operation` runs on the pool: its resource hint is `cpu_bound` or `memory_bound`, and there is a pool. */
function onPool(operation: Operation, pool: WorkerPoolExecutor | undefined): boolean {
  return pool !== undefined && operation.settings.resource !== undefined && WORKER_RESOURCES.includes(operation.settings.resource);
}

function jobContext(job: Job<JobData>, signal: AbortSignal, parent: Logger): ExecutionContext {
  const data = job.data;
  const variables = data.variables === undefined ? {} : (decodeValue(data.variables) as Record<string, unknown>);
  for (const key of data.missingVariables ?? []) {
    Object.defineProperty(variables, key, {
      enumerable: true,
      get() {
        throw new TypeError(`Run variable '${key}' cannot be sent to a remote worker (it holds a function or a handle), so remote operations cannot read it`);
      },
    });
  }
  return {
    runId: data.runId,
    operationId: data.operationId,
    attempt: data.attempt,
    idempotencyKey: data.idempotencyKey ?? `${data.runId}/${data.operationId}`,
    signal,
    logger: forwardingLogger(parent.child({ runId: data.runId, operationId: data.operationId, attempt: data.attempt, jobId: job.id }), job),
    variables: Object.freeze(variables),
    reportProgress(fraction, details) {
      const progress: JobProgress = {
        fraction,
        ...(typeof details === 'string' ? { message: details } : details?.message === undefined ? {} : { message: details.message }),
        ...(typeof details === 'object' && details?.data !== undefined ? { data: details.data } : {}),
      };
      job.updateProgress(progress as unknown as object).catch(() => undefined);
    },
  };
}

/**
 * The job's logger: each line goes to the worker's own logger and, through
 * `job.updateProgress`, to the coordinator's (best effort, like every
 * BullMQ event: a line can be lost, never the outcome).
 */
function forwardingLogger(local: Logger, job: Job<JobData>, own: LogFields = {}): Logger {
  const send = (level: LogLevel) => (message: string, fields?: LogFields): void => {
    local[level](message, fields);
    const merged = { ...own, ...fields };
    const log: JobLog = { log: { level, message: String(message), ...(Object.keys(merged).length === 0 ? {} : { fields: jsonFields(merged) }) } };
    job.updateProgress(log as unknown as object).catch(() => undefined);
  };
  return { debug: send('debug'), info: send('info'), warn: send('warn'), error: send('error'), child: (bindings) => forwardingLogger(local.child(bindings), job, { ...own, ...bindings }) };
}

/** Fields as plain JSON (what cannot be written is left out). */
function jsonFields(fields: LogFields): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(fields)) as Record<string, unknown>;
  } catch {
    return { unserializable: Object.keys(fields) };
  }
}

/** Loads an operation module at start, so a bad `require` fails the worker at once rather than its first job. */
function preload(root: string, specifier: string): void {
  const relativePath = specifier.startsWith('./') || specifier.startsWith('../');
  const path = require.resolve(relativePath ? resolve(root, specifier) : specifier, { paths: [root] });
  require(path); // eslint-disable-line @typescript-eslint/no-require-imports
}
