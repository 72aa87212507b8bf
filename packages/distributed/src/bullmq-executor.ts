import { resolve } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { serializationProblem, silentLogger, type ExecutionContext, type Logger, type Operation, type OperationExecutor, type OperationRef, type RunEndedSummary } from '@portflow/core';
import { adoptRealm, workerReasons } from '@portflow/workers';
import { bullmqConnection, checkRedisServer, redisOptions, type RedisConnection } from './connection';
import {
  cancelChannelOf,
  cancelKeyOf,
  chainJobsKeyOf,
  deserializeError,
  encodeValue,
  jobIdOf,
  NODE_MAJOR,
  nodeMajorOf,
  PROTOCOL_VERSION,
  queueNameOf,
  type JobData,
  type JobLog,
  type JobOutcome,
  type JobProgress,
} from './protocol';
import { NoWorkerError, RunLeaseError } from './errors';
import { DEFAULT_LEASE_MS, RunLeases, type LeaseHolder } from './run-lease';
import { codeHashOf } from './code-hash';
import { decodeJobValue, encodeJobValue, type BlobOptions } from './job-values';
import { removeChainJobs } from './chain-jobs';
import { readFleet } from './fleet';
import { remoteRef } from './remote-ref';

/** Options of a {@link BullMQExecutor}. */
export interface BullMQExecutorOptions {
  /** Where Redis is. */
  connection: RedisConnection;
  /** The queue's logical name (`cpu`, `gpu`); workers of this name and build take its jobs. */
  queue: string;
  /** Prefix of every Redis key (default `portflow`); give each environment (and each test run) its own. */
  prefix?: string;
  /**
   * The deployment's build id (default `dev`), part of the queue's Redis
   * name, so that a worker of another build never takes a job whose code it
   * does not have. Use the same id for coordinator and workers (a git sha, a
   * package version).
   */
  buildId?: string;
  /** The directory `@WorkerOperation` modules are made relative to (default: the current directory); workers resolve refs against the same layout. */
  root?: string;
  /**
   * How often (ms) attempts in flight for at least this long are checked
   * against their job's stored state (default 1000): BullMQ's events are
   * best effort, and this settles an attempt whose event was lost.
   */
  reconcileMs?: number;
  /**
   * Before a run's first job on this queue, check that a live worker (a
   * heartbeat, see `listWorkers`) serves the queue with this build id, and
   * fail the operation with a {@link NoWorkerError} at once if none does
   * (default true). Turn it off when workers start only once jobs wait
   * (autoscaling on queue length): jobs then wait for a worker.
   */
  checkWorkers?: boolean;
  /**
   * A directory coordinator and workers share at the same path: inputs and
   * outputs whose encoding is over `thresholdBytes` (default 256 KiB) travel
   * as files there instead of inside the job (BullMQ keeps jobs in Redis
   * memory). Workers need the same (`portflow worker --blobs <dir>`).
   */
  blobs?: BlobOptions;
  /**
   * How long (ms) a run's coordinator lease lasts (default 15000): the
   * executor takes the lease of a run chain before its first job and renews
   * it every third of this, so that two processes never drive one run (a
   * run resumed elsewhere while its first coordinator still lives fails
   * with a {@link RunLeaseError}). A dead coordinator's lease runs out after
   * this long; one of this host whose process is gone is taken over at once.
   */
  leaseMs?: number;
  /** Where the executor's own warnings go (Redis without persistence); `createDistributedEngine` passes the engine's logger. Default: silent. */
  logger?: Logger;
  /**
   * Tests only: ignore QueueEvents' `completed` and `failed` events, as if
   * every one were lost, so that only the stored job state (right after
   * `add`, and the reconcile loop) settles attempts.
   * @internal
   */
  ignoreOutcomeEvents?: boolean;
}

/** How many runs' successful worker checks an executor remembers. */
const CHECKED_RUNS = 256;

/** How long `runEnded` waits for jobs still running (an operation slow to stop after a cancel) before it leaves them. */
const RUNNING_JOB_WAIT_MS = 30_000;

interface PendingAttempt {
  readonly jobId: string;
  readonly context: ExecutionContext;
  readonly resolve: (outputs: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly onAbort: () => void;
  /** When the job was added (ms since epoch); undefined until `add` returned. */
  addedAt: number | undefined;
}

const LOG_LEVELS: ReadonlySet<string> = new Set(['debug', 'info', 'warn', 'error']);

const encodedVariables = new WeakMap<object, { variables?: string; missingVariables?: string[] }>();

/**
 * An {@link OperationExecutor} that runs each attempt as one BullMQ job, on
 * whichever worker process (`startWorker`) takes it. The engine stays the
 * coordinator: it decides what is ready, retries and times out; this
 * executor only ships attempts and brings outcomes back.
 *
 * - One job per attempt, with the id `run.operation.attempt`, `run` being
 *   the first run of the resume chain (what `context.idempotencyKey` starts
 *   with): adding it twice adds one job, and a run resumed after its
 *   coordinator died adopts the jobs of the earlier one (a finished job's
 *   stored outcome is read right after the add; a waiting or running one is
 *   awaited). BullMQ's `attempts` is 1: the engine's retry policy is the
 *   only retry logic. Jobs are kept until the run ends ({@link BullMQExecutor.runEnded}
 *   then removes them).
 * - The job carries the operation's ref (module specifier relative to
 *   `root`, export, type, version, params, settings) and its inputs encoded
 *   with `v8Codec` (base64), so `Map`, `Date`, `bigint` and typed arrays
 *   arrive intact; outputs come back the same way.
 * - Outcomes arrive through `QueueEvents`, and a reconcile loop reads the
 *   state of jobs in flight for longer than `reconcileMs`, so a lost event
 *   cannot hang a run. The first outcome of an attempt is accepted; later
 *   ones are ignored.
 * - When the attempt's signal aborts (cancel, fail-fast, timeout) the
 *   attempt ends at once; a waiting job is removed, and the worker running
 *   an active one is told to abort its `context.signal`.
 *
 * @example
 * ```ts
 * const cpu = new BullMQExecutor({ connection: 'redis://127.0.0.1:6379', queue: 'cpu', buildId: 'v1' });
 * const engine = new ExecutionEngine({ cpuThreads: Infinity, executors: { cpu_bound: cpu } });
 * ```
 */
export class BullMQExecutor implements OperationExecutor {
  /** The queue's logical name (`cpu`). */
  readonly queue: string;
  /** The build id workers must have to take its jobs. */
  readonly buildId: string;
  /** The queue's Redis name: `queue-buildId`. */
  readonly queueName: string;
  /** The key prefix. */
  readonly prefix: string;
  /** The directory module specifiers are relative to, absolute. */
  readonly root: string;
  readonly #connection: RedisConnection;
  readonly #reconcileMs: number;
  readonly #checkWorkers: boolean;
  /** Runs whose check found a worker (or is under way), oldest first. */
  readonly #checked = new Map<string, Promise<void>>();
  readonly #pending = new Map<string, PendingAttempt>();
  /** Attempts whose job is to be added with the next batch. */
  readonly #toAdd: { jobId: string; rootRunId: string; name: string; data: JobData; pending: PendingAttempt; resumed: boolean }[] = [];
  #addBatch: ReturnType<typeof setImmediate> | undefined;
  /** Attempts whose outputs are being read (from the job or the blob directory). */
  readonly #decoding = new Set<string>();
  readonly #blobs: BlobOptions | undefined;
  readonly #logger: Logger;
  readonly #cancelling = new Set<Promise<void>>();
  readonly #toCancel: { jobId: string; message: string }[] = [];
  #cancelBatch: Promise<void> | undefined;
  #queue: Queue | undefined;
  #events: QueueEvents | undefined;
  #redis: Redis | undefined;
  #ready: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #reconciling = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #accepted = 0;
  readonly #ignoreOutcomeEvents: boolean;
  readonly #leaseMs: number;
  #leases: RunLeases | undefined;
  /** Finished jobs whose outcome was read right after `add` (adopted), and by the reconcile loop. */
  readonly #settledFromStore = { afterAdd: 0, reconcile: 0 };

  constructor(options: BullMQExecutorOptions) {
    this.#connection = options.connection;
    this.prefix = options.prefix ?? 'portflow';
    this.queueName = queueNameOf(options.queue, options.buildId ?? 'dev');
    this.root = resolve(options.root ?? process.cwd());
    this.#reconcileMs = options.reconcileMs ?? 1000;
    this.queue = options.queue;
    this.buildId = options.buildId ?? 'dev';
    this.#checkWorkers = options.checkWorkers ?? true;
    this.#blobs = options.blobs;
    this.#logger = options.logger ?? silentLogger;
    this.#ignoreOutcomeEvents = options.ignoreOutcomeEvents === true;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    if (!(Number.isFinite(this.#leaseMs) && this.#leaseMs >= 30)) throw new RangeError(`BullMQExecutor: leaseMs must be a number of milliseconds, at least 30 (got ${String(options.leaseMs)})`);
  }

  /** Outcomes accepted so far: one per attempt at most. */
  get acceptedResults(): number {
    return this.#accepted;
  }

  /**
   * Attempts settled from the stored job rather than an event: `afterAdd`,
   * jobs that had finished before this executor added them (adopted from an
   * earlier coordinator of the run); `reconcile`, by the reconcile loop.
   * @internal
   */
  get settledFromStore(): { readonly afterAdd: number; readonly reconcile: number } {
    return { ...this.#settledFromStore };
  }

  /** Why `operation` cannot run on a remote worker; empty when it can. */
  validate(operation: Operation): readonly string[] {
    const reasons = [...workerReasons(operation, { root: this.root })];
    const ref = remoteRef(operation, this.root);
    if (typeof ref === 'string' && reasons.length === 0) reasons.push(ref);
    return reasons;
  }

  /** Adds the attempt's job (once, by its deterministic id) and resolves to the outputs its worker returns. */
  execute(operation: Operation, inputs: Readonly<Record<string, unknown>>, context: ExecutionContext): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error(`Operation '${context.operationId}': the BullMQ executor is closed; create a new engine`));
    const ref = remoteRef(operation, this.root);
    if (typeof ref === 'string') return Promise.reject(new Error(`Operation '${context.operationId}' cannot run on a remote worker: ${ref}`));
    return this.#run(ref, inputs, context);
  }

  /** Ends the attempts in flight, waits for cancellations being sent, and closes every Redis connection. Safe to call twice. */
  close(): Promise<void> {
    this.#closed = true;
    return (this.#closing ??= this.#closeNow());
  }

  async #closeNow(): Promise<void> {
    if (this.#addBatch !== undefined) clearImmediate(this.#addBatch);
    this.#addBatch = undefined;
    this.#toAdd.length = 0;
    for (const pending of [...this.#pending.values()]) this.#settle(pending.jobId, { error: new Error('the BullMQ executor was closed') });
    await Promise.allSettled([...this.#cancelling]);
    await this.#ready?.catch(() => undefined);
    await this.#leases?.close();
    await Promise.allSettled([this.#events?.close(), this.#queue?.close()]);
    await this.#redis?.quit().catch(() => this.#redis?.disconnect());
    this.#events = this.#queue = this.#redis = undefined;
  }

  async #run(ref: OperationRef, inputs: Readonly<Record<string, unknown>>, context: ExecutionContext): Promise<unknown> {
    context.signal.throwIfAborted();
    const header: Omit<JobData, 'inputs'> = {
      protocol: PROTOCOL_VERSION,
      ref,
      runId: context.runId,
      operationId: context.operationId,
      attempt: context.attempt,
      idempotencyKey: context.idempotencyKey,
      ...codeHashField(ref, this.root),
      ...variablesOf(context.variables),
    };
    await this.#ensureReady();
    context.signal.throwIfAborted();
    if (this.#checkWorkers) await this.#checkServed(context.runId, context.operationId);
    context.signal.throwIfAborted();
    const rootRunId = rootRunIdOf(context);
    if (!this.#leases!.holds(rootRunId, context.runId)) await this.#leases!.acquire(rootRunId, context.runId, context.signal);
    const lostTo = this.#leases!.lostTo(rootRunId, context.runId);
    if (lostTo !== undefined) throw leaseLost(context.runId, rootRunId, lostTo);
    const jobId = jobIdOf(rootRunId, context.operationId, context.attempt);
    const data: JobData = { ...header, inputs: await encodeJobValue({ ...inputs }, this.#blobs, jobId, 'inputs') };
    context.signal.throwIfAborted();
    return new Promise((resolvePromise, rejectPromise) => {
      const onAbort = (): void => {
        this.#settle(jobId, { error: context.signal.reason });
        this.#track(this.#cancel(jobId, context.signal.reason));
      };
      const pending: PendingAttempt = { jobId, context, resolve: resolvePromise, reject: rejectPromise, onAbort, addedAt: undefined };
      this.#pending.set(jobId, pending);
      context.signal.addEventListener('abort', onAbort, { once: true });
      this.#startReconciling();
      // Added with the other attempts that became ready in this turn of the event loop: one addBulk and
      // one SADD per chain for all of them, instead of round trips per job (a wide layer starts at once).
      this.#toAdd.push({ jobId, rootRunId, name: context.operationId, data, pending, resumed: rootRunId !== context.runId });
      this.#addBatch ??= setImmediate(() => void this.#addNow());
    });
  }

  /**
   * Adds the waiting attempts' jobs: every job id to its chain's set (so
   * that `runEnded`, of this run or of one that resumes it, finds every
   * job) and the jobs with one `addBulk` (BullMQ keeps one job per id, so
   * adding an attempt again adds nothing). In a resumed run an earlier
   * coordinator may have added the job and it may have finished already:
   * its events are gone, so its stored outcome is read at once.
   */
  async #addNow(): Promise<void> {
    // Attempts settled meanwhile (aborted, or their run lost its lease) add nothing.
    const batch = this.#toAdd.splice(0).filter((entry) => this.#pending.get(entry.jobId) === entry.pending);
    this.#addBatch = undefined;
    if (batch.length === 0) return;
    const byChain = new Map<string, string[]>();
    for (const { rootRunId, jobId } of batch) {
      const ids = byChain.get(rootRunId);
      if (ids === undefined) byChain.set(rootRunId, [jobId]);
      else ids.push(jobId);
    }
    try {
      await Promise.all([
        ...[...byChain].map(([rootRunId, ids]) => this.#redis!.sadd(chainJobsKeyOf(this.prefix, this.queueName, rootRunId), ...ids)),
        // One job (a chain's next step) is added without a pipeline: ioredis copies every BullMQ script onto each pipeline it creates.
        batch.length === 1
          ? this.#queue!.add(batch[0]!.name, batch[0]!.data, jobOptions(batch[0]!.jobId))
          : this.#queue!.addBulk(batch.map(({ jobId, name, data }) => ({ name, data, opts: jobOptions(jobId) }))),
      ]);
    } catch (error) {
      for (const { jobId } of batch) this.#settle(jobId, { error });
      return;
    }
    const now = Date.now();
    for (const { jobId, pending, resumed } of batch) {
      pending.addedAt = now;
      if (resumed) void this.#adopt(jobId);
    }
  }

  #ensureReady(): Promise<void> {
    this.#ready ??= (async () => {
      const options = redisOptions(this.#connection);
      this.#redis = new Redis(options);
      this.#leases = new RunLeases(this.#redis, this.prefix, this.#leaseMs, (rootRunId, holder) => this.#onLeaseLost(rootRunId, holder));
      for (const warning of await checkRedisServer(this.#redis)) this.#logger.warn(warning);
      this.#queue = new Queue(this.queueName, { connection: bullmqConnection(options), prefix: this.prefix });
      // Read events from the stream's current end, given explicitly: QueueEvents' own start ('$')
      // misses events written before its first XREAD (bullmq#2874), such as the first jobs' progress.
      const last = (await this.#redis.xrevrange(`${this.prefix}:${this.queueName}:events`, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
      const events = (this.#events = new QueueEvents(this.queueName, { connection: bullmqConnection(options), prefix: this.prefix, lastEventId: last }));
      if (!this.#ignoreOutcomeEvents) {
        events.on('completed', ({ jobId, returnvalue }) => this.#onOutcome(jobId, returnvalue));
        events.on('failed', ({ jobId, failedReason }) => this.#onFailed(jobId, failedReason));
      }
      events.on('progress', ({ jobId, data }) => this.#onProgress(jobId, data));
      await Promise.all([this.#queue.waitUntilReady(), events.waitUntilReady()]);
    })();
    return this.#ready;
  }

  /**
   * Once per run (a failed check is tried again by the next attempt): a live
   * worker serves this queue and build, or a {@link NoWorkerError}.
   */
  #checkServed(runId: string, operationId: string): Promise<void> {
    let check = this.#checked.get(runId);
    if (check === undefined) {
      check = this.#findWorker(operationId);
      this.#checked.set(runId, check);
      check.catch(() => this.#checked.delete(runId));
      if (this.#checked.size > CHECKED_RUNS) this.#checked.delete(this.#checked.keys().next().value!);
    }
    return check;
  }

  async #findWorker(operationId: string): Promise<void> {
    const fleet = await readFleet(this.#redis!, this.prefix);
    if (fleet.some((worker) => worker.queueNames.includes(this.queueName))) return;
    const sameQueue = fleet.filter((w) => w.queues.includes(this.queue));
    const otherBuilds = [...new Set(sameQueue.map((w) => w.buildId))].filter((buildId) => buildId !== this.buildId);
    const sameBuild = sameQueue.filter((w) => w.buildId === this.buildId);
    const otherNodes = [...new Set(sameBuild.map((w) => nodeMajorOf(w.node)))].filter((major) => major !== NODE_MAJOR);
    // Same build and Node.js major, yet another queue name: a worker of a Portflow version that names queues otherwise.
    const olderVersions = [...new Set(sameBuild.filter((w) => nodeMajorOf(w.node) === NODE_MAJOR).map((w) => w.version))];
    const redis = typeof this.#connection === 'string' ? redactedUrl(this.#connection) : `redis://${this.#connection.host ?? '127.0.0.1'}:${this.#connection.port ?? 6379}`;
    const command = `portflow worker --redis ${redis} --prefix ${this.prefix} --queue ${this.queue} --build-id ${this.buildId} --require <your operations module>`;
    throw new NoWorkerError(
      this.queue,
      this.buildId,
      `Operation '${operationId}' cannot run: no live worker serves queue '${this.queue}' with build id '${this.buildId}' (Redis queue '${this.queueName}', key prefix '${this.prefix}'), so its job would wait forever. ` +
        (olderVersions.length > 0
          ? `Workers of build id '${this.buildId}' on Node.js ${NODE_MAJOR} serve queue '${this.queue}', but under another Redis queue name: they run @portflow/distributed ${olderVersions.join(', ')}, which names queues otherwise; restart them with this version. `
          : otherNodes.length > 0
          ? `Workers serve queue '${this.queue}' with build id '${this.buildId}' on Node.js ${otherNodes.join(', ')} only, and this coordinator runs Node.js ${NODE_MAJOR}: ` +
            'values cross as v8.serialize bytes, which only the same Node.js major is sure to read, so coordinator and workers must run the same major. '
          : otherBuilds.length > 0
          ? `Workers serve queue '${this.queue}' for build id ${otherBuilds.map((b) => `'${b}'`).join(', ')} only: coordinator and workers must use the same build id. `
          : fleet.length > 0
            ? `The live workers under this prefix serve ${[...new Set(fleet.flatMap((w) => w.queues))].map((q) => `'${q}'`).join(', ')}. `
            : 'No worker at all has a heartbeat under this prefix. ') +
        `Start one where the operations are built: ${command} (list the fleet with 'portflow workers --redis ${redis} --prefix ${this.prefix}')`,
    );
  }

  /** Another run took the chain's lease (this process stalled past it): its attempts here end, and nothing more of the chain is added. */
  #onLeaseLost(rootRunId: string, holder: LeaseHolder): void {
    for (const pending of [...this.#pending.values()]) {
      if (rootRunIdOf(pending.context) === rootRunId) this.#settle(pending.jobId, { error: leaseLost(pending.context.runId, rootRunId, holder) });
    }
  }

  #onOutcome(jobId: string, returnvalue: unknown): void {
    if (!this.#pending.has(jobId)) return;
    let outcome: JobOutcome;
    try {
      outcome = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as JobOutcome;
    } catch (error) {
      return this.#settle(jobId, { error: new Error(`Job ${jobId} returned a value that is not a Portflow outcome`, { cause: error }) });
    }
    if (outcome === null || typeof outcome !== 'object' || typeof outcome.ok !== 'boolean') {
      return this.#settle(jobId, { error: new Error(`Job ${jobId} returned a value that is not a Portflow outcome (a worker of another version?)`) });
    }
    if (!outcome.ok) return this.#settle(jobId, { error: deserializeError(outcome.error) });
    if (this.#decoding.has(jobId)) return; // the event and the reconcile loop both saw it: one decode
    this.#decoding.add(jobId);
    decodeJobValue(outcome.outputs, this.#blobs, jobId).then(
      (outputs) => {
        this.#decoding.delete(jobId);
        adoptRealm(outputs as Record<string, unknown>);
        this.#settle(jobId, { outputs });
      },
      (error: unknown) => {
        this.#decoding.delete(jobId);
        this.#settle(jobId, { error });
      },
    );
  }

  #onFailed(jobId: string, failedReason: string): void {
    if (!this.#pending.has(jobId)) return;
    this.#settle(jobId, { error: new Error(`Job ${jobId} failed in BullMQ: ${failedReason}`) });
  }

  #onProgress(jobId: string, data: unknown): void {
    const pending = this.#pending.get(jobId);
    const log = (data as JobLog | null)?.log;
    if (pending !== undefined && log !== undefined && typeof log === 'object' && typeof log.message === 'string' && LOG_LEVELS.has(log.level)) {
      pending.context.logger[log.level](log.message, { ...log.fields, remote: true });
      return;
    }
    const progress = data as JobProgress | null;
    if (pending === undefined || progress === null || typeof progress !== 'object' || typeof progress.fraction !== 'number') return;
    pending.context.reportProgress(progress.fraction, progress.data === undefined ? progress.message : { message: progress.message, data: progress.data });
  }

  /** Accepts the first outcome of an attempt; later ones find nothing pending and are ignored. */
  #settle(jobId: string, outcome: { outputs: unknown } | { error: unknown }): void {
    const pending = this.#pending.get(jobId);
    if (pending === undefined) return;
    this.#pending.delete(jobId);
    pending.context.signal.removeEventListener('abort', pending.onAbort);
    if (this.#pending.size === 0) this.#stopReconciling();
    if ('outputs' in outcome) {
      this.#accepted++;
      pending.resolve(outcome.outputs);
    } else {
      pending.reject(outcome.error);
    }
  }

  #startReconciling(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.#reconcile(), this.#reconcileMs);
  }

  #stopReconciling(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Settles attempts whose job finished without the event reaching this process. */
  async #reconcile(): Promise<void> {
    if (this.#reconciling || this.#queue === undefined) return;
    this.#reconciling = true;
    try {
      const before = Date.now() - this.#reconcileMs;
      for (const pending of [...this.#pending.values()]) {
        if (pending.addedAt === undefined || pending.addedAt > before) continue;
        const job = await this.#queue.getJob(pending.jobId);
        if (job === undefined) {
          this.#settle(pending.jobId, { error: new Error(`Job ${pending.jobId} disappeared from queue ${this.queueName} (removed by hand, or Redis evicted or lost it)`) });
          continue;
        }
        const state = await job.getState();
        if ((state === 'completed' || state === 'failed') && this.#pending.has(pending.jobId) && !this.#decoding.has(pending.jobId)) this.#settledFromStore.reconcile++;
        if (state === 'completed') this.#onOutcome(pending.jobId, job.returnvalue);
        else if (state === 'failed') this.#onFailed(pending.jobId, job.failedReason);
      }
    } catch {
      // Redis unavailable for a moment: the next round tries again.
    } finally {
      this.#reconciling = false;
    }
  }

  /** Settles an attempt whose job had already finished when it was added (one read of the job's hash). */
  async #adopt(jobId: string): Promise<void> {
    try {
      const [finishedOn = null, returnvalue = null, failedReason = null] = await this.#redis!.hmget(`${this.prefix}:${this.queueName}:${jobId}`, 'finishedOn', 'returnvalue', 'failedReason');
      if (finishedOn === null || !this.#pending.has(jobId) || this.#decoding.has(jobId)) return; // not finished: an event or the reconcile loop settles it
      if (returnvalue !== null) {
        this.#settledFromStore.afterAdd++;
        this.#onOutcome(jobId, returnvalue);
      } else if (failedReason !== null) {
        this.#settledFromStore.afterAdd++;
        this.#onFailed(jobId, failedReason);
      }
    } catch {
      // Redis unavailable for a moment: the reconcile loop reads the job later.
    }
  }

  /**
   * The run ended (the engine calls this once per run): removes every job
   * its resume chain added to this queue, by this coordinator or an earlier
   * one (restored operations' jobs included), with their blob files and
   * cancel keys, and the chain's set of job ids, so nothing of the run
   * stays in Redis. A job still running (an operation slow to stop after a
   * cancel) cannot be removed: it is waited for, up to 30 s, and then left,
   * which rejects with the ids left. Never called for a run whose
   * coordinator died: its jobs stay for a resume to adopt.
   */
  async runEnded(runId: string, summary: RunEndedSummary): Promise<void> {
    if (this.#closed) return;
    await Promise.allSettled([...this.#cancelling]); // their cancel keys are set before the ones below are deleted
    await this.#ensureReady();
    const leases = this.#leases!;
    // The chain's jobs are this run's to remove only while it holds the chain's lease: another live run may be adopting them.
    const holder = await leases.tryHold(summary.rootRunId, runId);
    if (holder !== undefined) {
      await leases.release(summary.rootRunId, runId).catch(() => undefined);
      throw new Error(
        `Run '${runId}' ended without removing its chain's jobs from queue '${this.queueName}': run '${holder.runId}' on ${holder.host} (pid ${holder.pid}) holds the coordinator lease of chain '${summary.rootRunId}' and removes them when it ends.`,
      );
    }
    try {
      await this.#removeChainJobs(runId, summary.rootRunId);
    } finally {
      await leases.release(summary.rootRunId, runId).catch(() => undefined);
    }
  }

  /** Removes every job of a chain (waiting up to 30 s for running ones), their blobs and cancel keys, and the chain's set. */
  async #removeChainJobs(runId: string, rootRunId: string): Promise<void> {
    const setKey = chainJobsKeyOf(this.prefix, this.queueName, rootRunId);
    const chain = { redis: this.#redis!, queue: this.#queue!, prefix: this.prefix, queueName: this.queueName, setKey, blobs: this.#blobs };
    const { left } = await removeChainJobs(chain, RUNNING_JOB_WAIT_MS, this.#reconcileMs);
    if (left.length > 0) {
      throw new Error(
        `Run '${runId}' ended, but ${left.length} of its jobs on queue '${this.queueName}' (prefix '${this.prefix}') still ran ${RUNNING_JOB_WAIT_MS / 1000} s later, so they stay in Redis: ${left.join(', ')}. ` +
          `An operation that ignores context.signal keeps running after a cancel; make it stop on its signal, and remove the jobs once they finish (queue.remove(jobId), and the set ${setKey}), or later with 'portflow jobs prune'.`,
      );
    }
  }

  /**
   * Queues a job's cancellation. Attempts aborted together (a run's cancel
   * aborts all of them in one go) are cancelled as one batch, so that every
   * waiting job is removed before any running one is told to stop: a worker
   * freed by a stop never takes a job of the cancelled run first.
   */
  #cancel(jobId: string, reason: unknown): Promise<void> {
    this.#toCancel.push({ jobId, message: reason instanceof Error ? reason.message : String(reason) });
    this.#cancelBatch ??= new Promise<void>((resolveBatch) => setImmediate(resolveBatch)).then(() => this.#cancelNow());
    return this.#cancelBatch;
  }

  /** Marks the batch's jobs cancelled (a key workers check before they start a job), removes those still waiting, then tells workers to abort the running ones. */
  async #cancelNow(): Promise<void> {
    const batch = this.#toCancel.splice(0);
    this.#cancelBatch = undefined;
    const redis = this.#redis;
    const queue = this.#queue;
    if (redis === undefined || queue === undefined || batch.length === 0) return;
    try {
      await Promise.all(batch.map(({ jobId, message }) => redis.set(cancelKeyOf(this.prefix, this.queueName, jobId), message, 'PX', 3_600_000)));
      await Promise.all(
        batch.map(async ({ jobId }) => {
          const job = await queue.getJob(jobId);
          if (job !== undefined && (await job.getState()) !== 'active') await job.remove().catch(() => undefined); // taken meanwhile: the message below reaches it
        }),
      );
      const channel = cancelChannelOf(this.prefix, this.queueName);
      await Promise.all(batch.map(({ jobId, message }) => redis.publish(channel, JSON.stringify({ jobId, reason: message }))));
    } catch {
      // Redis gone: the worker finds the job's lock lost, or the cancelled key, later.
    }
  }

  #track(promise: Promise<void>): void {
    this.#cancelling.add(promise);
    void promise.finally(() => this.#cancelling.delete(promise));
  }
}

/**
 * The first run of the attempt's resume chain: `context.idempotencyKey` is
 * `<root>/<operationId>` (core's definition); the run id for a context that
 * says otherwise.
 */
function rootRunIdOf(context: ExecutionContext): string {
  const key = context.idempotencyKey;
  const suffix = `/${context.operationId}`;
  return key.endsWith(suffix) && key.length > suffix.length ? key.slice(0, -suffix.length) : context.runId;
}

/** The error of an attempt whose run no longer holds its chain's lease. */
function leaseLost(runId: string, rootRunId: string, holder: LeaseHolder): RunLeaseError {
  return new RunLeaseError(
    rootRunId,
    holder,
    `Run '${runId}' lost the coordinator lease of run chain '${rootRunId}' to run '${holder.runId}' on ${holder.host} (pid ${holder.pid}): this process did not renew it in time (stalled, or cut off from Redis), and that run now drives the chain. ` +
      'This run stops adding jobs; the other one adopts them.',
  );
}

/** BullMQ options of an attempt's job: its deterministic id, no BullMQ retries, kept until the run ends. */
function jobOptions(jobId: string): { jobId: string; attempts: 1; removeOnComplete: false; removeOnFail: false } {
  return { jobId, attempts: 1, removeOnComplete: false, removeOnFail: false };
}

/** The ref's module file hash, when this process can read the file. */
function codeHashField(ref: OperationRef, root: string): { codeHash?: string } {
  const codeHash = codeHashOf(ref.module, root);
  return codeHash === undefined ? {} : { codeHash };
}

/** The run variables that can be encoded, and the names of those that cannot (cached per run: the object is frozen and shared). */
function variablesOf(all: Readonly<Record<string, unknown>>): { variables?: string; missingVariables?: string[] } {
  let cached = encodedVariables.get(all);
  if (cached === undefined) {
    const ok: Record<string, unknown> = {};
    const missing: string[] = [];
    for (const [key, value] of Object.entries(all)) {
      if (serializationProblem(value, key) === undefined) ok[key] = value;
      else missing.push(key);
    }
    cached = {
      ...(Object.keys(ok).length > 0 ? { variables: encodeValue(ok) } : {}),
      ...(missing.length > 0 ? { missingVariables: missing } : {}),
    };
    encodedVariables.set(all, cached);
  }
  return cached;
}

/** A Redis URL without its password, for messages. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
