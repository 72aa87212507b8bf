import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { LineSplitter, TailBytes, TailLines } from './command-output';

/** What {@link runProcess} starts, and how it reports. @internal */
export interface ProcessOptions {
  /** An absolute path (resolved by the caller), or a name looked up on `env.PATH`. */
  readonly executable: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Written to the process's stdin, which is then closed; undefined: stdin is /dev/null. */
  readonly stdin: string | Uint8Array | undefined;
  /** Aborting stops the process group: SIGTERM, then SIGKILL after `gracePeriodMs`. */
  readonly signal: AbortSignal;
  readonly gracePeriodMs: number;
  /** Bytes of stdout kept (the last ones). */
  readonly maxStdoutBytes: number;
  /** Lines of stderr kept for error messages (the last ones). */
  readonly stderrTailLines: number;
  /** Each line of output, in order per stream. */
  onLine(stream: 'stdout' | 'stderr', line: string): void;
  /** The main process exited (the rest of its group may still run). */
  onExit?(exitCode: number | null, signal: NodeJS.Signals | null): void;
  /** The process group is being signalled, and why. */
  onSignal?(signal: 'SIGTERM' | 'SIGKILL', reason: 'aborted' | 'left running' | 'grace period over'): void;
}

/** How a process ended. @internal */
export interface ProcessExit {
  readonly pid: number;
  /** The exit code, or null when a signal ended it. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last `maxStdoutBytes` of stdout. */
  readonly stdout: string;
  readonly stdoutBytes: number;
  readonly stdoutTruncated: boolean;
  readonly stderrTail: readonly string[];
  /** Whether `signal` aborted while it ran. */
  readonly aborted: boolean;
  /** Whether its process group had to be sent SIGKILL. */
  readonly killed: boolean;
  /** Whether output was still held open by a process outside the group when reading stopped. */
  readonly outputLeftOpen: boolean;
}

/**
 * How often the group is checked once the main process has exited but
 * others remain (no event says when they end): first after 25 ms, then
 * twice as long each time, up to 250 ms.
 */
const GROUP_POLL_MS = 25;
const MAX_GROUP_POLL_MS = 250;
/**
 * After SIGKILL (or once the group is gone), how long to wait for the
 * output pipes to close before settling anyway: a process that left the
 * group (setsid) may hold them open forever.
 */
const SETTLE_DEADLINE_MS = 1_000;

/**
 * Runs one process as the leader of a new process group and settles once
 * it and everything it started in its group have ended. Output is split
 * into lines as it arrives. When `signal` aborts, or the main process exits
 * leaving others in its group, the whole group gets SIGTERM, then SIGKILL
 * after the grace period. Rejects only when the process could not be
 * started (the `spawn` error, with its `code`: ENOENT, EACCES...). @internal
 */
export function runProcess(options: ProcessOptions): Promise<ProcessExit> {
  return new Promise<ProcessExit>((resolve, reject) => new ProcessRun(options, resolve, reject).start());
}

class ProcessRun {
  readonly #options: ProcessOptions;
  readonly #resolve: (exit: ProcessExit) => void;
  readonly #reject: (error: unknown) => void;
  readonly #stdout: TailBytes;
  readonly #stderr: TailLines;
  #child: ChildProcess | undefined;
  #pid = 0;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  #openStreams = 0;
  #aborted = false;
  #terminating = false;
  #killed = false;
  #settled = false;
  #outputLeftOpen = false;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #pollTimer: ReturnType<typeof setTimeout> | undefined;
  #pollMs = GROUP_POLL_MS;
  /** The group member found running last time the group was checked. */
  #member: number | undefined;
  #deadline: ReturnType<typeof setTimeout> | undefined;
  readonly #onAbort = (): void => {
    this.#aborted = true;
    this.#terminate('aborted');
  };

  constructor(options: ProcessOptions, resolve: (exit: ProcessExit) => void, reject: (error: unknown) => void) {
    this.#options = options;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#stdout = new TailBytes(options.maxStdoutBytes);
    this.#stderr = new TailLines(options.stderrTailLines);
  }

  start(): void {
    const { executable, args, cwd, env, stdin, signal } = this.#options;
    let child: ChildProcess;
    try {
      child = spawn(executable, args, { cwd, env, detached: true, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    } catch (error) {
      this.#reject(error);
      return;
    }
    this.#child = child;
    child.on('error', (error) => this.#onError(error));
    if (child.pid === undefined) return; // spawning failed: 'error' follows
    this.#pid = child.pid;
    trackGroup(this.#pid);
    child.once('exit', (code, exitSignal) => {
      this.#exit = { code, signal: exitSignal };
      this.#options.onExit?.(code, exitSignal);
      this.#check();
    });
    this.#read(child.stdout!, 'stdout');
    this.#read(child.stderr!, 'stderr');
    if (child.stdin !== null) {
      // A process that does not read its input closes the pipe early (EPIPE): not an error of the step.
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin);
    }
    if (signal.aborted) this.#onAbort();
    else signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  #read(stream: Readable, name: 'stdout' | 'stderr'): void {
    this.#openStreams++;
    const lines = new LineSplitter((line) => {
      if (this.#settled) return;
      if (name === 'stderr') this.#stderr.push(line);
      this.#options.onLine(name, line);
    });
    stream.on('data', (chunk: Buffer) => {
      if (name === 'stdout') this.#stdout.push(chunk);
      lines.write(chunk);
    });
    stream.once('close', () => {
      lines.end();
      this.#openStreams--;
      this.#check();
    });
  }

  #onError(error: Error): void {
    if (this.#pid === 0 && !this.#settled) {
      this.#settled = true;
      this.#reject(error);
    }
    // After a successful spawn, errors concern signalling or pipes; the exit still comes.
  }

  /** Sends SIGTERM to the group and arms SIGKILL after the grace period. */
  #terminate(reason: 'aborted' | 'left running'): void {
    if (this.#terminating || this.#settled) return;
    this.#terminating = true;
    this.#options.onSignal?.('SIGTERM', reason);
    this.#signalGroup('SIGTERM');
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = undefined;
      this.#killed = true;
      this.#options.onSignal?.('SIGKILL', 'grace period over');
      this.#signalGroup('SIGKILL');
      this.#check();
    }, this.#options.gracePeriodMs);
  }

  #signalGroup(signal: NodeJS.Signals): void {
    try {
      if (process.platform === 'win32') this.#child?.kill(signal);
      else process.kill(-this.#pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  /** Whether a process of the group is still running. */
  #groupAlive(): boolean {
    if (process.platform === 'win32') return this.#exit === undefined;
    try {
      process.kill(-this.#pid, 0);
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
    this.#member = liveMember(this.#pid, this.#member);
    return this.#member !== undefined;
  }

  /**
   * Settles once the main process has exited, its output is read, and the
   * rest of its group is gone or was sent SIGKILL (which cannot be ignored;
   * killed processes may stay zombies until reaped, which is not ours to
   * wait for). Otherwise moves towards that.
   */
  #check(): void {
    if (this.#settled || this.#exit === undefined) return;
    const alive = this.#groupAlive();
    if (this.#openStreams === 0 && (!alive || this.#killed)) {
      this.#finish();
      return;
    }
    if (alive && !this.#terminating) this.#terminate('left running');
    // Output still open with nothing left to stop: a process that left the group holds it, or killed ones are dying.
    if ((this.#killed || !alive) && this.#deadline === undefined) this.#deadline = setTimeout(() => this.#giveUpWaiting(), SETTLE_DEADLINE_MS);
    if (alive && !this.#killed && this.#pollTimer === undefined) {
      this.#pollTimer = setTimeout(() => {
        this.#pollTimer = undefined;
        this.#check();
      }, this.#pollMs);
      this.#pollMs = Math.min(this.#pollMs * 2, MAX_GROUP_POLL_MS);
    }
  }

  #giveUpWaiting(): void {
    this.#deadline = undefined;
    if (this.#openStreams > 0) {
      this.#outputLeftOpen = true;
      this.#child?.stdout?.destroy();
      this.#child?.stderr?.destroy();
    }
    this.#finish();
  }

  #finish(): void {
    if (this.#settled) return;
    this.#settled = true;
    for (const timer of [this.#graceTimer, this.#pollTimer, this.#deadline]) if (timer !== undefined) clearTimeout(timer);
    this.#options.signal.removeEventListener('abort', this.#onAbort);
    untrackGroup(this.#pid);
    this.#resolve({
      pid: this.#pid,
      exitCode: this.#exit!.code,
      signal: this.#exit!.signal,
      stdout: this.#stdout.text(),
      stdoutBytes: this.#stdout.total,
      stdoutTruncated: this.#stdout.truncated,
      stderrTail: this.#stderr.lines(),
      aborted: this.#aborted,
      killed: this.#killed,
      outputLeftOpen: this.#outputLeftOpen,
    });
  }
}

/**
 * A running member of process group `pgid`, trying `hint` (the one found
 * last time) first; undefined when there is none; 0 when it cannot be told
 * (no `/proc`: not Linux). A member that exited stays in the group as a
 * zombie until its parent, or init once it is orphaned, reaps it; init may
 * take its time (or never do it, in a container without one), and a zombie
 * is not running.
 */
function liveMember(pgid: number, hint: number | undefined): number | undefined {
  if (hint !== undefined && hint !== 0 && isLiveMember(String(hint), pgid)) return hint;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first >= 48 && first <= 57 && isLiveMember(entry, pgid)) return Number(entry);
  }
  return undefined;
}

function isLiveMember(pid: string, pgid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return false; // ended meanwhile
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
  const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ', 3);
  return Number(pgrp) === pgid && state !== 'Z';
}

/**
 * Process groups of running commands. If this process exits while some
 * are running (a forced exit, `process.exit()`), they get SIGKILL rather
 * than being left behind.
 */
const liveGroups = new Set<number>();

function trackGroup(pid: number): void {
  if (liveGroups.size === 0) process.on('exit', killLiveGroups);
  liveGroups.add(pid);
}

function untrackGroup(pid: number): void {
  if (liveGroups.delete(pid) && liveGroups.size === 0) process.off('exit', killLiveGroups);
}

function killLiveGroups(): void {
  if (process.platform === 'win32') return;
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
