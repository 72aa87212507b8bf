/**
 * The coordinator lease of a resume chain: one Redis key per chain, held by
 * the run that drives it, so that two processes never add a chain's jobs
 * and accept its outcomes at once (a run resumed elsewhere while its first
 * coordinator still lives).
 * @internal
 */
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { RunLeaseError } from './errors';
import { escapeComponent } from './protocol';

/** Who holds a lease: the run, and the process it runs in. */
export interface LeaseHolder {
  readonly runId: string;
  readonly host: string;
  readonly pid: number;
  /** The process's PID namespace (Linux), so that containers sharing a host name never take each other's leases as dead. */
  readonly ns?: string;
}

/** Default lease duration (ms): renewed every third of it; a dead coordinator's lease runs out after at most this long. */
export const DEFAULT_LEASE_MS = 15_000;

const RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
const TAKE_OVER = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 else return 0 end";

/** The key of a chain's lease (the root run id escaped as in job ids and job sets). */
export function leaseKeyOf(prefix: string, rootRunId: string): string {
  return `${prefix}:portflow:lease:${escapeComponent(rootRunId)}`;
}

/** The lease value of `runId` in this process. */
export function leaseValueOf(runId: string): string {
  return JSON.stringify({ runId, host: hostname(), pid: process.pid, ...(PID_NAMESPACE === undefined ? {} : { ns: PID_NAMESPACE }) } satisfies LeaseHolder);
}

/** Releases a lease if `value` still holds it; true when it did. */
export async function releaseLease(redis: Redis, key: string, value: string): Promise<boolean> {
  return (await redis.eval(RELEASE, 1, key, value)) === 1;
}

/**
 * How many executors of this process hold each lease (key and value): the
 * executors of one engine (one per queue) share a run's lease, and only the
 * last one to let go removes it.
 */
const holders = new Map<string, number>();

interface Held {
  readonly runId: string;
  readonly value: string;
  readonly registryKey: string;
  lost: LeaseHolder | undefined;
}

interface Taking {
  readonly promise: Promise<void>;
  stopped: boolean;
}

/**
 * The leases one executor takes, renews and releases: `acquire` before a
 * run's first job, `lostTo` before each later one, `tryHold` and `release`
 * when the run ends. A lease found taken on renewal (this process stalled
 * past it and another run took the chain) is reported to `onLost`.
 */
export class RunLeases {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #onLost: (rootRunId: string, holder: LeaseHolder) => void;
  /** Leases held, by root run id (one run of a chain at a time). */
  readonly #held = new Map<string, Held>();
  /** Acquisitions by root run id and run id; a refusal stays until the run ends, so its retries fail at once. */
  readonly #taking = new Map<string, Taking>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(redis: Redis, prefix: string, leaseMs: number, onLost: (rootRunId: string, holder: LeaseHolder) => void) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#leaseMs = leaseMs;
    this.#onLost = onLost;
  }

  /**
   * Takes the chain's lease for `runId` (once per run: later calls share the
   * first, each bounded by its own signal). A lease held by a process of
   * this host (and PID namespace) that no longer exists is taken over at
   * once; one held elsewhere is waited for, up to two lease durations (a
   * dead coordinator's lease runs out), and then refused with a
   * {@link RunLeaseError}: a live coordinator renews its lease.
   */
  acquire(rootRunId: string, runId: string, signal: AbortSignal): Promise<void> {
    const key = takingKey(rootRunId, runId);
    let taking = this.#taking.get(key);
    if (taking === undefined) {
      const state: { stopped: boolean } = { stopped: false };
      const promise = this.#take(rootRunId, runId, state);
      taking = Object.assign(state, { promise });
      this.#taking.set(key, taking);
      // A refusal is kept (the run's retries fail at once); anything else (Redis down) is tried again by the next attempt.
      promise.catch((error: unknown) => {
        if (!(error instanceof RunLeaseError) && this.#taking.get(key) === taking) this.#taking.delete(key);
      });
    }
    return withSignal(taking.promise, signal);
  }

  /** Whether `runId` holds the chain's lease (taken, not found lost): its later attempts need not wait on `acquire`. */
  holds(rootRunId: string, runId: string): boolean {
    const held = this.#held.get(rootRunId);
    return held !== undefined && held.runId === runId && held.lost === undefined;
  }

  /** The run that took the chain's lease from `runId`, if one did (undefined while `runId` holds it). */
  lostTo(rootRunId: string, runId: string): LeaseHolder | undefined {
    const held = this.#held.get(rootRunId);
    if (held === undefined || held.runId !== runId) return undefined;
    return held.lost;
  }

  /**
   * For run-end cleanup, one try, no waiting: whether `runId` holds the
   * chain's lease now, checked in Redis (renewed if held, taken if free or
   * left by a dead process of this host). Undefined when it holds it; else
   * the holder.
   */
  async tryHold(rootRunId: string, runId: string): Promise<LeaseHolder | undefined> {
    const key = leaseKeyOf(this.#prefix, rootRunId);
    const value = leaseValueOf(runId);
    const held = this.#held.get(rootRunId);
    if (held !== undefined && held.runId === runId) {
      if (held.lost !== undefined) return held.lost;
      if ((await this.#redis.eval(RENEW, 1, key, value, this.#leaseMs)) === 1) return undefined;
    }
    const outcome = await this.#tryOnce(rootRunId, runId);
    return outcome === true ? undefined : outcome;
  }

  /** Lets `runId`'s lease of the chain go (removed from Redis when this process's last executor of the run lets go and it still holds it), and forgets its acquisition. */
  async release(rootRunId: string, runId: string): Promise<void> {
    const taking = this.#taking.get(takingKey(rootRunId, runId));
    if (taking !== undefined) taking.stopped = true;
    this.#taking.delete(takingKey(rootRunId, runId));
    const held = this.#held.get(rootRunId);
    if (held === undefined || held.runId !== runId) return;
    this.#held.delete(rootRunId);
    if (this.#held.size === 0) this.#stopRenewing();
    if (forget(held.registryKey) > 0) return; // another executor of the run holds it still
    if (held.lost === undefined) await releaseLease(this.#redis, leaseKeyOf(this.#prefix, rootRunId), held.value);
  }

  /** Releases every lease held. */
  async close(): Promise<void> {
    for (const taking of this.#taking.values()) taking.stopped = true;
    this.#taking.clear();
    await Promise.allSettled([...this.#held].map(([rootRunId, held]) => this.release(rootRunId, held.runId)));
    this.#stopRenewing();
  }

  async #take(rootRunId: string, runId: string, state: { stopped: boolean }): Promise<void> {
    const giveUpAt = Date.now() + 2 * this.#leaseMs;
    for (;;) {
      if (state.stopped) throw new Error(`Run '${runId}' ended before it took the coordinator lease of run chain '${rootRunId}'`);
      const outcome = await this.#tryOnce(rootRunId, runId);
      if (outcome === true) return;
      if (Date.now() >= giveUpAt) {
        throw new RunLeaseError(
          rootRunId,
          outcome,
          `Run '${runId}' cannot drive run chain '${rootRunId}': run '${outcome.runId}' on ${outcome.host} (pid ${outcome.pid}) holds its coordinator lease, and the lease did not run out in the ${(2 * this.#leaseMs) / 1000} s this run waited, so a live coordinator renews it. ` +
            `Two coordinators must not drive one run: let that one finish, or stop it (its lease then runs out within ${this.#leaseMs / 1000} s) and resume again.`,
        );
      }
      await delay(Math.max(20, Math.min(this.#leaseMs / 5, giveUpAt - Date.now())));
    }
  }

  /** SET NX, else: ours already, or a dead local holder's to take over. True when held, else the live holder. */
  async #tryOnce(rootRunId: string, runId: string): Promise<true | LeaseHolder> {
    const key = leaseKeyOf(this.#prefix, rootRunId);
    const value = leaseValueOf(runId);
    for (;;) {
      if ((await this.#redis.set(key, value, 'PX', this.#leaseMs, 'NX')) === 'OK') return this.#hold(rootRunId, runId, value);
      const current = await this.#redis.get(key);
      if (current === null) continue; // ran out in between
      if (current === value) return this.#hold(rootRunId, runId, value); // another executor of this run took it
      const holder = parseHolder(current);
      if (holder !== undefined && holder.host === hostname() && holder.ns === PID_NAMESPACE && !alive(holder.pid)) {
        if ((await this.#redis.eval(TAKE_OVER, 1, key, current, value, this.#leaseMs)) === 1) return this.#hold(rootRunId, runId, value);
        continue;
      }
      return holder ?? { runId: '(unreadable lease value)', host: 'unknown', pid: 0 };
    }
  }

  #hold(rootRunId: string, runId: string, value: string): true {
    const existing = this.#held.get(rootRunId);
    if (existing !== undefined && existing.runId === runId && existing.lost === undefined) return true;
    if (existing !== undefined) forget(existing.registryKey); // an earlier run of the chain here, whose lease ran out or was lost
    const registryKey = `${this.#prefix}\0${rootRunId}\0${value}`;
    holders.set(registryKey, (holders.get(registryKey) ?? 0) + 1);
    this.#held.set(rootRunId, { runId, value, registryKey, lost: undefined });
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => void this.#renew(), Math.max(10, Math.floor(this.#leaseMs / 3)));
      this.#timer.unref();
    }
    return true;
  }

  async #renew(): Promise<void> {
    await Promise.allSettled(
      [...this.#held].map(async ([rootRunId, held]) => {
        if (held.lost !== undefined) return;
        const key = leaseKeyOf(this.#prefix, rootRunId);
        if ((await this.#redis.eval(RENEW, 1, key, held.value, this.#leaseMs)) === 1) return;
        if (this.#held.get(rootRunId) !== held) return; // released meanwhile: nothing to take again
        // Gone (Redis was out of reach for longer than the lease): take it again if nobody else did.
        if ((await this.#redis.set(key, held.value, 'PX', this.#leaseMs, 'NX')) === 'OK') return;
        const current = await this.#redis.get(key);
        if (current === held.value || this.#held.get(rootRunId) !== held) return;
        held.lost = (current === null ? undefined : parseHolder(current)) ?? { runId: '(unreadable lease value)', host: 'unknown', pid: 0 };
        this.#onLost(rootRunId, held.lost);
      }),
    );
  }

  #stopRenewing(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** This process's PID namespace (`pid:[4026531836]`), or undefined where there is none to read. */
const PID_NAMESPACE: string | undefined = (() => {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
})();

/** One executor fewer holds the lease; how many still do. */
function forget(registryKey: string): number {
  const left = (holders.get(registryKey) ?? 1) - 1;
  if (left > 0) holders.set(registryKey, left);
  else holders.delete(registryKey);
  return Math.max(0, left);
}

function takingKey(rootRunId: string, runId: string): string {
  return `${rootRunId}\0${runId}`;
}

function parseHolder(value: string): LeaseHolder | undefined {
  try {
    const holder = JSON.parse(value) as LeaseHolder;
    return typeof holder?.runId === 'string' && typeof holder.host === 'string' && typeof holder.pid === 'number' ? holder : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process of this host exists (EPERM: it does, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits `ms` without keeping the process alive for it. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** `promise`, or the signal's reason as soon as it aborts. */
function withSignal(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
