import { resolve } from 'node:path';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { ModuleResolver, silentLogger, type ExecutionContext, type Logger } from '@portflow/core';
import { bullmqConnection, checkRedisServer, redisOptions, type RedisConnection } from './connection';
import {
  cancelChannelOf,
  cancelKeyOf,
  decodeValue,
  encodeValue,
  PROTOCOL_VERSION,
  queueNameOf,
  serializeError,
  type JobData,
  type JobOutcome,
  type JobProgress,
} from './protocol';

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  /** Where Redis is. */
  connection: RedisConnection;
  /** The queue's logical name (`cpu`); the worker takes jobs of this queue and build. */
  queue: string;
  /** Prefix of every Redis key (default `portflow`): the coordinator's. */
  prefix?: string;
  /** The build id (default `dev`): the coordinator's. */
  buildId?: string;
  /** Jobs run at once (default 1). */
  concurrency?: number;
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
  /** Where this worker logs what happens outside jobs, and the parent of each job's logger (default: silent). */
  logger?: Logger;
}

/** A running worker; see {@link startWorker}. */
export interface DistributedWorker {
  /** The queue's Redis name. */
  readonly queueName: string;
  /** Jobs this worker is running now. */
  readonly active: number;
  /** Stops taking jobs, waits for the running ones (drain), and closes its connections. */
  close(): Promise<void>;
}

/**
 * Starts a worker that takes jobs of a {@link BullMQExecutor}'s queue: for
 * each job it resolves the operation from the job's ref with core's
 * `ModuleResolver` (specifiers relative to `root` or packages; absolute
 * paths, URLs and paths outside `root` are refused), decodes the inputs,
 * runs the operation with an `ExecutionContext` (`signal`, `logger`,
 * `reportProgress` through `job.updateProgress`), and returns the encoded
 * outputs, or the error, as the job's outcome.
 *
 * Checks first that Redis has `maxmemory-policy noeviction`. A cancel
 * message from the coordinator aborts the job's `context.signal`.
 *
 * @example
 * ```ts
 * const worker = await startWorker({ connection: 'redis://127.0.0.1:6379', queue: 'cpu', concurrency: 4, require: ['./dist/ops.js'] });
 * process.once('SIGTERM', () => void worker.close());
 * ```
 */
export async function startWorker(options: WorkerOptions): Promise<DistributedWorker> {
  const prefix = options.prefix ?? 'portflow';
  const queueName = queueNameOf(options.queue, options.buildId ?? 'dev');
  const root = resolve(options.root ?? process.cwd());
  const logger = options.logger ?? silentLogger;
  const allowed = options.require ?? [];
  const resolver = new ModuleResolver({ root, ...(allowed.length > 0 ? { allow: allowed } : {}) });
  for (const specifier of allowed) preload(root, specifier);

  const connection = redisOptions(options.connection);
  const redis = new Redis(connection);
  const subscriber = new Redis(connection);
  try {
    await checkRedisServer(redis);
    await subscriber.subscribe(cancelChannelOf(prefix, queueName));
  } catch (error) {
    redis.disconnect();
    subscriber.disconnect();
    throw error;
  }
  let active = 0;
  const processor = async (job: Job<JobData>, _token?: string, signal?: AbortSignal): Promise<JobOutcome> => {
    active++;
    try {
      return await runJob(job, signal ?? new AbortController().signal, { resolver, redis, prefix, queueName, logger });
    } finally {
      active--;
    }
  };
  const running = new Worker<JobData, JobOutcome>(queueName, processor, {
    connection: bullmqConnection(connection),
    prefix,
    concurrency: options.concurrency ?? 1,
    lockDuration: options.lockDuration ?? 5000,
    stalledInterval: options.stalledInterval ?? 2000,
    maxStalledCount: options.maxStalledCount ?? 2,
  });
  running.on('error', (error) => logger.error('worker error', { error: error.message }));
  subscriber.on('message', (_channel: string, message: string) => {
    try {
      const { jobId, reason } = JSON.parse(message) as { jobId: string; reason: string };
      running.cancelJob(jobId, reason);
    } catch {
      // not a cancel message
    }
  });
  await running.waitUntilReady();
  let closing: Promise<void> | undefined;
  return {
    queueName,
    get active() {
      return active;
    },
    close() {
      closing ??= (async () => {
        await running.close();
        await Promise.allSettled([subscriber.quit(), redis.quit()]);
      })();
      return closing;
    },
  };
}

interface JobServices {
  readonly resolver: ModuleResolver;
  readonly redis: Redis;
  readonly prefix: string;
  readonly queueName: string;
  readonly logger: Logger;
}

/** One job: one attempt of one operation; its outcome is the job's return value (errors included, as data). */
async function runJob(job: Job<JobData>, signal: AbortSignal, services: JobServices): Promise<JobOutcome> {
  const data = job.data;
  try {
    if (data?.protocol !== PROTOCOL_VERSION) throw new Error(`Job ${String(job.id)} has protocol ${String(data?.protocol)}; this worker reads protocol ${PROTOCOL_VERSION}: deploy the same @portflow/distributed everywhere`);
    const cancelled = await services.redis.get(cancelKeyOf(services.prefix, services.queueName, String(job.id)));
    if (cancelled !== null) return { ok: false, error: serializeError(new Error(`cancelled before it started: ${cancelled}`)), aborted: true };
    const operation = await services.resolver.resolve(data.ref);
    const inputs = decodeValue(data.inputs) as Record<string, unknown>;
    const context = jobContext(job, signal, services.logger);
    const outputs = await operation.execute(inputs, context);
    return { ok: true, outputs: encodeValue(outputs) };
  } catch (error) {
    return { ok: false, error: serializeError(error), ...(signal.aborted ? { aborted: true } : {}) };
  }
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
    signal,
    logger: parent.child({ runId: data.runId, operationId: data.operationId, attempt: data.attempt, jobId: job.id }),
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

/** Loads an operation module at start, so a bad `require` fails the worker at once rather than its first job. */
function preload(root: string, specifier: string): void {
  const relativePath = specifier.startsWith('./') || specifier.startsWith('../');
  const path = require.resolve(relativePath ? resolve(root, specifier) : specifier, { paths: [root] });
  require(path); // eslint-disable-line @typescript-eslint/no-require-imports
}
