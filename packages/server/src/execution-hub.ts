import type { EngineEvent, LogEntry } from '@portflow/core';
import type { ExecutionEvent, ExecutionStateChanged } from '@portflow/runs';
import type { ExecutionStatus } from '@portflow/store';
import type { Observable, Subscription } from 'rxjs';

/** A step's log line, as the `log` message of an execution's event stream carries it. */
export interface StepLog {
  /** The engine run it was logged in. */
  readonly runId: string;
  /** The step. */
  readonly operationId: string;
  /** Its attempt, from 1. */
  readonly attempt: number;
  /** Severity. */
  readonly level: LogEntry['level'];
  /** The text. */
  readonly message: string;
  /** When, epoch ms. */
  readonly time: number;
  /** Its number among the run's log lines, from 1. */
  readonly seq: number;
  /** The `seq` of the run's last engine event before it (0: none), which places it among them. */
  readonly afterSeq: number;
}

/** What the hub tells a follower of one execution, in the order it happened. */
export type HubMessage =
  | { readonly kind: 'engine'; readonly event: EngineEvent }
  | { readonly kind: 'state'; readonly state: ExecutionStateChanged }
  | { readonly kind: 'log'; readonly log: StepLog };

/** What an execution's current run said so far (engine events and log lines, in order), held while it runs. */
export interface LiveRun {
  readonly runId: string;
  readonly messages: readonly HubMessage[];
}

interface Run {
  readonly runId: string;
  readonly messages: HubMessage[];
  lastSeq: number;
  logs: number;
}

interface Tracked {
  run: Run | undefined;
  readonly followers: Set<(message: HubMessage) => void>;
}

const FINISHED: ReadonlySet<ExecutionStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Fans a run manager's events out to the followers of each execution, and
 * holds the engine events of every run in progress: the store writes a
 * run's journal in groups, so what a follower that joins mid-run must
 * replay of the current run comes from here; finished runs come from the
 * store, whose journal is flushed before the execution is marked finished.
 * @internal
 */
export class ExecutionHub {
  readonly #tracked = new Map<string, Tracked>();
  readonly #runs = new Map<string, string>();
  #subscription: Subscription | undefined;

  /** Follows a run manager's events; call before the manager starts, so no run's first events are missed. */
  attach(events$: Observable<ExecutionEvent>): void {
    this.#subscription?.unsubscribe();
    this.#subscription = events$.subscribe((event) => (event.type === 'ExecutionStateChanged' ? this.#state(event) : this.#engine(event.executionId, event.event)));
  }

  /** The current run of `executionId` with its events so far, when it runs in this process. */
  liveRun(executionId: string): LiveRun | undefined {
    return this.#tracked.get(executionId)?.run;
  }

  /** Calls `follower` with every later message about `executionId`; returns the function that stops it. */
  follow(executionId: string, follower: (message: HubMessage) => void): () => void {
    const tracked = this.#track(executionId);
    tracked.followers.add(follower);
    return () => {
      tracked.followers.delete(follower);
      this.#release(executionId, tracked);
    };
  }

  /**
   * A step's log line: numbered and placed among its run's engine events,
   * held with the run and passed on to its execution's followers. Returns
   * the numbered line; a line of a run the hub does not follow is numbered
   * 0 and goes nowhere.
   */
  log(line: Omit<StepLog, 'seq' | 'afterSeq'>): StepLog {
    const executionId = this.#runs.get(line.runId);
    const tracked = executionId === undefined ? undefined : this.#tracked.get(executionId);
    const run = tracked?.run;
    if (run === undefined || run.runId !== line.runId) return { ...line, seq: 0, afterSeq: 0 };
    const log: StepLog = { ...line, seq: ++run.logs, afterSeq: run.lastSeq };
    const message: HubMessage = { kind: 'log', log };
    run.messages.push(message);
    this.#send(tracked, message);
    return log;
  }

  /** Stops listening to the manager. */
  close(): void {
    this.#subscription?.unsubscribe();
  }

  #state(state: ExecutionStateChanged): void {
    const tracked = state.status === 'running' || this.#tracked.has(state.executionId) ? this.#track(state.executionId) : undefined;
    if (tracked === undefined) return;
    if (state.status === 'running' && state.runId !== undefined) {
      if (tracked.run !== undefined) this.#runs.delete(tracked.run.runId);
      tracked.run = { runId: state.runId, messages: [], lastSeq: 0, logs: 0 };
      this.#runs.set(state.runId, state.executionId);
    }
    this.#send(tracked, { kind: 'state', state });
    if (FINISHED.has(state.status)) {
      if (tracked.run !== undefined) this.#runs.delete(tracked.run.runId);
      tracked.run = undefined;
      this.#release(state.executionId, tracked);
    }
  }

  #engine(executionId: string, event: EngineEvent): void {
    const tracked = this.#tracked.get(executionId);
    if (tracked?.run === undefined || tracked.run.runId !== event.runId) return;
    const message: HubMessage = { kind: 'engine', event };
    tracked.run.messages.push(message);
    tracked.run.lastSeq = event.seq;
    this.#send(tracked, message);
  }

  #send(tracked: Tracked | undefined, message: HubMessage): void {
    if (tracked === undefined) return;
    for (const follower of [...tracked.followers]) follower(message);
  }

  #track(executionId: string): Tracked {
    let tracked = this.#tracked.get(executionId);
    if (tracked === undefined) this.#tracked.set(executionId, (tracked = { run: undefined, followers: new Set() }));
    return tracked;
  }

  #release(executionId: string, tracked: Tracked): void {
    if (tracked.run === undefined && tracked.followers.size === 0 && this.#tracked.get(executionId) === tracked) this.#tracked.delete(executionId);
  }
}

/**
 * A follower of one execution that holds what the hub says until it is
 * drained: made before the execution is read, so nothing that happens
 * between the read and the stream's start is missed. @internal
 */
export class BufferedFollower {
  readonly #buffer: HubMessage[] = [];
  #deliver: ((message: HubMessage) => void) | undefined;
  readonly #unfollow: () => void;

  constructor(hub: ExecutionHub, executionId: string) {
    this.#unfollow = hub.follow(executionId, (message) => (this.#deliver === undefined ? this.#buffer.push(message) : this.#deliver(message)));
  }

  /** Hands over what was held, then every later message as it comes. */
  drainInto(deliver: (message: HubMessage) => void): void {
    this.#deliver = deliver;
    for (const message of this.#buffer.splice(0)) deliver(message);
  }

  /** Stops following. */
  stop(): void {
    this.#unfollow();
  }
}
