/**
 * Worker heartbeats and the fleet they describe: each worker keeps a key
 * with a TTL under the prefix, and an index of worker ids, so that
 * coordinators can tell whether anyone serves a queue and `portflow workers`
 * can list who does.
 */
import { Redis } from 'ioredis';
import { redisOptions, type RedisConnection } from './connection';

/**
 * What a worker says about itself in its heartbeat, and what
 * {@link listWorkers} returns for each live worker.
 */
export interface WorkerInfo {
  /** Unique per worker process start: `host:pid:random`. */
  readonly id: string;
  /** `os.hostname()` of the worker's machine. */
  readonly host: string;
  /** The worker's process id (on its host). */
  readonly pid: number;
  /** The logical queues it takes jobs from (`cpu`), as given to `startWorker`. */
  readonly queues: readonly string[];
  /** The Redis names of those queues (`cpu-<buildId>`). */
  readonly queueNames: readonly string[];
  /** Its build id: it only takes jobs of coordinators with the same one. */
  readonly buildId: string;
  /** Jobs it runs at once, per queue. */
  readonly concurrency: number;
  /** Threads of its pool for `cpu_bound` / `memory_bound` operations (0: they run on its event loop). */
  readonly threads: number;
  /** The version of `@portflow/distributed` it runs. */
  readonly version: string;
  /** Its Node.js version (`process.versions.node`). */
  readonly node: string;
  /** When it started, ms since the epoch (its clock). */
  readonly startedAt: number;
  /** When it wrote this heartbeat, ms since the epoch (its clock). */
  readonly beatAt: number;
  /** Jobs it was running when it wrote this heartbeat. */
  readonly running: number;
  /** How often it writes its heartbeat, in ms; the key lives three times as long. */
  readonly heartbeatMs: number;
}

/** Options of {@link listWorkers}. */
export interface ListWorkersOptions {
  /** Where Redis is. */
  connection: RedisConnection;
  /** Key prefix of the fleet (default `portflow`): the workers' and coordinators'. */
  prefix?: string;
}

/** The key of one worker's heartbeat. @internal */
export function heartbeatKeyOf(prefix: string, workerId: string): string {
  return `${prefix}:portflow:worker:${workerId}`;
}

/** The sorted set of worker ids (scored by when they last beat) that {@link listWorkers} reads. @internal */
export function fleetKeyOf(prefix: string): string {
  return `${prefix}:portflow:workers`;
}

/**
 * The workers whose heartbeat has not expired, sorted by host, then pid.
 * Reads the fleet index and each worker's heartbeat key; ids whose key
 * expired (a worker that died without closing) are dropped from the index
 * on the way.
 *
 * @example
 * ```ts
 * for (const w of await listWorkers({ connection: 'redis://127.0.0.1:6379' })) console.log(w.host, w.pid, w.queues, w.running);
 * ```
 */
export async function listWorkers(options: ListWorkersOptions): Promise<WorkerInfo[]> {
  const redis = new Redis({ ...redisOptions(options.connection), lazyConnect: true });
  try {
    await redis.connect();
    return await readFleet(redis, options.prefix ?? 'portflow');
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** {@link listWorkers} on an open client. @internal */
export async function readFleet(redis: Redis, prefix: string): Promise<WorkerInfo[]> {
  const index = fleetKeyOf(prefix);
  const ids = await redis.zrange(index, '0', '-1');
  if (ids.length === 0) return [];
  const values = await redis.mget(...ids.map((id) => heartbeatKeyOf(prefix, id)));
  const live: WorkerInfo[] = [];
  const gone: string[] = [];
  ids.forEach((id, i) => {
    const info = parseInfo(values[i]);
    if (info === undefined) gone.push(id);
    else live.push(info);
  });
  if (gone.length > 0) await redis.zrem(index, ...gone);
  return live.sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid || a.id.localeCompare(b.id));
}

function parseInfo(value: string | null | undefined): WorkerInfo | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    const info = JSON.parse(value) as WorkerInfo;
    return typeof info === 'object' && info !== null && typeof info.id === 'string' && Array.isArray(info.queueNames) ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes a worker's heartbeat every `heartbeatMs` (the key lives three
 * times as long, and so does the index) until `stop()`, which removes it.
 * @internal
 */
export class Heartbeat {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #info: () => WorkerInfo;
  readonly #key: string;
  #timer: ReturnType<typeof setInterval> | undefined;
  #inFlight: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(redis: Redis, prefix: string, info: () => WorkerInfo) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#info = info;
    this.#key = heartbeatKeyOf(prefix, info().id);
  }

  /** Writes the first heartbeat (rejects if Redis refuses) and keeps writing. */
  async start(): Promise<void> {
    await this.#beat();
    const { heartbeatMs } = this.#info();
    this.#timer = setInterval(() => {
      this.#inFlight = this.#beat().catch(() => undefined); // Redis away for a moment: the next beat tries again; the TTL covers two misses
    }, heartbeatMs);
    this.#timer.unref();
  }

  /** Stops beating and removes the heartbeat: coordinators no longer count this worker. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#inFlight;
    await this.#redis.multi().del(this.#key).zrem(fleetKeyOf(this.#prefix), this.#info().id).exec().catch(() => undefined);
  }

  async #beat(): Promise<void> {
    if (this.#stopped) return;
    const info = { ...this.#info(), beatAt: Date.now() };
    const ttl = info.heartbeatMs * 3;
    const index = fleetKeyOf(this.#prefix);
    await this.#redis.multi().set(this.#key, JSON.stringify(info), 'PX', ttl).zadd(index, info.beatAt, info.id).pexpire(index, ttl, 'NX').pexpire(index, ttl, 'GT').exec(); // the index lives as long as its longest-lived worker
  }
}
