/**
 * The coordinator lease of a resume chain: one Redis key per chain, held by
 * the run that drives it, so that two processes never add a chain's jobs
 * and accept its outcomes at once (a run resumed elsewhere while its first
 * coordinator still lives).
 * @internal
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { RunLeaseError } from './errors';
import { escapeComponent } from './protocol';

/** Who holds a lease: the run, and the process it runs in. */
export interface LeaseHolder {
  readonly runId: string;
  readonly host: string;
  readonly pid: number;
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

interface Held {
  readonly value: string;
  lost: LeaseHolder | undefined;
}

/**
 * The leases one executor takes, renews and releases. `acquire` before a
 * chain's first job; `holds` before each later one; `release` when the run
 * ends. A lease found lost on renewal (this process stalled past it and
 * another run took the chain) is reported to `onLost`.
 */
export class RunLeases {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #onLost: (rootRunId: string, holder: LeaseHolder) => void;
  readonly #held = new Map<string, Held>();
  readonly #acquiring = new Map<string, Promise<void>>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(redis: Redis, prefix: string, leaseMs: number, onLost: (rootRunId: string, holder: LeaseHolder) => void) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#leaseMs = leaseMs;
    this.#onLost = onLost;
  }

  /**
   * Takes the chain's lease for `runId` (once per run: later calls share the
   * first). A lease held by a process of this host that no longer exists is
   * taken over at once; one held elsewhere is waited for, up to two lease
   * durations (a dead coordinator's lease runs out), and then refused with
   * a {@link RunLeaseError}: a live coordinator renews its lease.
   */
  acquire(rootRunId: string, runId: string, signal: AbortSignal): Promise<void> {
    const key = `${rootRunId}\0${runId}`;
    let pending = this.#acquiring.get(key);
    if (pending === undefined) {
      pending = this.#take(rootRunId, runId, signal);
      this.#acquiring.set(key, pending);
      pending.catch(() => this.#acquiring.delete(key));
    }
    return pending;
  }

  /** The run that took the chain's lease from this executor, if one did (undefined while the lease is held, or was never taken). */
  lostTo(rootRunId: string): LeaseHolder | undefined {
    return this.#held.get(rootRunId)?.lost;
  }

  /**
   * One try, no waiting (for run-end cleanup): whether this run holds the
   * chain's lease now (held already, free, or left by a dead process of
   * this host), with the holder when another live run does.
   */
  async tryHold(rootRunId: string, runId: string): Promise<LeaseHolder | undefined> {
    const held = this.#held.get(rootRunId);
    if (held !== undefined) return held.lost;
    const outcome = await this.#tryOnce(rootRunId, valueOf(runId));
    return outcome === true ? undefined : outcome;
  }

  /** Gives the chain's lease up (only if this executor still holds it). */
  async release(rootRunId: string): Promise<void> {
    const held = this.#held.get(rootRunId);
    for (const key of this.#acquiring.keys()) if (key.startsWith(`${rootRunId}\0`)) this.#acquiring.delete(key);
    if (held === undefined) return;
    this.#held.delete(rootRunId);
    if (this.#held.size === 0) this.#stopRenewing();
    if (held.lost === undefined) await this.#redis.eval(RELEASE, 1, leaseKeyOf(this.#prefix, rootRunId), held.value);
  }

  /** Releases every lease held. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#held.keys()].map((rootRunId) => this.release(rootRunId)));
    this.#stopRenewing();
  }

  async #take(rootRunId: string, runId: string, signal: AbortSignal): Promise<void> {
    const value = valueOf(runId);
    const giveUpAt = Date.now() + 2 * this.#leaseMs;
    for (;;) {
      signal.throwIfAborted();
      const outcome = await this.#tryOnce(rootRunId, value);
      if (outcome === true) return;
      if (Date.now() >= giveUpAt) {
        throw new RunLeaseError(
          rootRunId,
          outcome,
          `Run '${runId}' cannot drive run chain '${rootRunId}': run '${outcome.runId}' on ${outcome.host} (pid ${outcome.pid}) holds its coordinator lease and has renewed it for ${(2 * this.#leaseMs) / 1000} s, so it is alive. ` +
            `Two coordinators must not drive one run: let that one finish, or stop it (its lease then runs out within ${this.#leaseMs / 1000} s) and resume again.`,
        );
      }
      await delay(Math.max(50, Math.min(this.#leaseMs / 5, giveUpAt - Date.now())), signal);
    }
  }

  /** SET NX, else: ours already, or a dead local holder's to take over; true when held, else the live holder. */
  async #tryOnce(rootRunId: string, value: string): Promise<true | LeaseHolder> {
    const key = leaseKeyOf(this.#prefix, rootRunId);
    for (;;) {
      if ((await this.#redis.set(key, value, 'PX', this.#leaseMs, 'NX')) === 'OK') return this.#hold(rootRunId, value);
      const current = await this.#redis.get(key);
      if (current === null) continue; // ran out in between
      if (current === value) return this.#hold(rootRunId, value); // another executor of this run took it
      const holder = parseHolder(current);
      if (holder !== undefined && holder.host === hostname() && !alive(holder.pid)) {
        if ((await this.#redis.eval(TAKE_OVER, 1, key, current, value, this.#leaseMs)) === 1) return this.#hold(rootRunId, value);
        continue;
      }
      return holder ?? { runId: '(unreadable lease)', host: 'unknown', pid: 0 };
    }
  }

  #hold(rootRunId: string, value: string): true {
    this.#held.set(rootRunId, { value, lost: undefined });
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
        // Gone (Redis was out of reach for longer than the lease): take it again if nobody else did.
        if ((await this.#redis.set(key, held.value, 'PX', this.#leaseMs, 'NX')) === 'OK') return;
        if (this.#held.get(rootRunId) !== held) return; // released meanwhile
        const current = await this.#redis.get(key);
        if (current === held.value) return;
        held.lost = (current === null ? undefined : parseHolder(current)) ?? { runId: '(unreadable lease)', host: 'unknown', pid: 0 };
        this.#onLost(rootRunId, held.lost);
      }),
    );
  }

  #stopRenewing(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

function valueOf(runId: string): string {
  return JSON.stringify({ runId, host: hostname(), pid: process.pid } satisfies LeaseHolder);
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

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
