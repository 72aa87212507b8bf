#!/usr/bin/env node
/**
 * `node bench/dist/service-load.js [--submissions=1000] [--clients=50]
 * [--max-concurrent=4] [--max-queued=20] [--retry-after-ms=100]
 * [--step-ms=5] [--time-limit-s=180]`: the run service under load, on
 * loopback only.
 *
 * The service (`startService` of `@portflow/server`) runs in a child process,
 * so that it and the clients do not share an event loop, on a temporary
 * folder with one small workflow (`constant` then a `delay` of `step-ms`) and
 * a SQLite store, admitting `max-concurrent` executions at once and
 * `max-queued` more (beyond that it answers 429). `clients` concurrent
 * `PortflowClient`s share `submissions` submissions, each with its own
 * idempotency key; they retry 429s with backoff (never less than the
 * service's `retryAfterMs`), for at most `time-limit-s`. Then the script waits, polling
 * `/healthz`, until nothing runs or waits (for at most `time-limit-s` more),
 * reads every execution through the API and, once the service has closed,
 * from its store, and reports:
 *
 * - accepted submissions, 429 answers seen and retries made, submissions that failed;
 * - completed executions (by status);
 * - duplicates: the extra executions of idempotency keys that appear more
 *   than once in the store, or the executions beyond the accepted
 *   submissions, whichever is more (must be 0);
 * - lost: accepted ids missing from the store or not in a terminal status (must be 0);
 * - p50 / p99 latency of one submit HTTP call (every attempt, 202 or 429),
 *   and of a submission end to end (its retries and waits included).
 *
 * Exits non-zero when anything is duplicated, lost, or could not be submitted.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { PortflowClient, type Execution } from '@portflow/client';
import { openRunStore } from '@portflow/store';

/** What the load run does. */
export interface LoadOptions {
  /** Submissions in all. */
  readonly submissions: number;
  /** Concurrent clients sharing them. */
  readonly clients: number;
  /** The service's `maxConcurrentRuns`. */
  readonly maxConcurrentRuns: number;
  /** The service's `maxQueuedRuns`. */
  readonly maxQueuedRuns: number;
  /** The service's `retryAfterMs` (the 429's hint). */
  readonly retryAfterMs: number;
  /** How long the workflow's `delay` step waits, ms. */
  readonly stepMs: number;
  /** How long submitting may take, and then how long to wait for every execution to finish, s (each). */
  readonly timeLimitS: number;
}

/** Percentiles of a set of durations, ms. */
export interface Latency {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** What a load run measured. */
export interface LoadFigures {
  readonly options: LoadOptions;
  readonly accepted: number;
  /** Submissions that gave up (retries exhausted or a non-retryable answer). */
  readonly failed: number;
  readonly failures: readonly string[];
  /** 429 answers the clients received. */
  readonly rejected429: number;
  /** Attempts beyond the first, over all submissions. */
  readonly retries: number;
  /** Executions that ended, by status. */
  readonly completed: Readonly<Record<string, number>>;
  /** Executions in the store. */
  readonly stored: number;
  readonly duplicates: number;
  readonly lost: number;
  /** True when everything finished within the time limit. */
  readonly finishedInTime: boolean;
  /** One submit HTTP call (each attempt). */
  readonly callLatency: Latency;
  /** One submission, retries and waits included. */
  readonly submitLatency: Latency;
  /** From the first submission until every execution had finished, ms. */
  readonly wallMs: number;
  /** Submitting all took this long, ms. */
  readonly submitWallMs: number;
}

/** The defaults of the full run. */
export const FULL: LoadOptions = { submissions: 1_000, clients: 50, maxConcurrentRuns: 4, maxQueuedRuns: 20, retryAfterMs: 100, stepMs: 5, timeLimitS: 180 };

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** The workflow the service runs: a constant, then a short delay. */
function workflowYaml(stepMs: number): string {
  return `name: load
description: A small fast workflow for the load test
variables:
  n: 0
pipeline:
  - name: make
    operation: constant
    params: { value: "\${{ vars.n }}" }
  - name: pause
    operation: delay
    depends_on: [make]
    params: { ms: ${stepMs} }
`;
}

/** Nearest-rank percentiles. */
export function latency(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!);
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

/** Messages between the script and its service child. */
type ToChild = { readonly kind: 'start'; readonly dir: string; readonly store: string; readonly options: LoadOptions } | { readonly kind: 'close' };
type FromChild = { readonly kind: 'listening'; readonly url: string } | { readonly kind: 'closed' } | { readonly kind: 'error'; readonly message: string };

/** Starts the service child; resolves with its URL once it listens. */
async function startChild(dir: string, store: string, options: LoadOptions): Promise<{ child: ChildProcess; url: string; next(): Promise<FromChild> }> {
  // Under jest this file is TypeScript: the child runs it through ts-node, with the workspace's packages from source.
  const fromSource = __filename.endsWith('.ts');
  const root = join(__dirname, '..', '..');
  const child = fork(__filename, ['--serve'], {
    execArgv: fromSource ? ['-r', require.resolve('ts-node/register/transpile-only'), '-r', require.resolve('tsconfig-paths/register')] : [],
    env: fromSource ? { ...process.env, TS_NODE_PROJECT: join(root, 'tsconfig.json'), TS_NODE_SWC: 'true' } : process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue: FromChild[] = [];
  const waiting: ((m: FromChild) => void)[] = [];
  child.on('message', (m: FromChild) => {
    const w = waiting.shift();
    if (w !== undefined) w(m);
    else queue.push(m);
  });
  const exited = new Promise<FromChild>((resolve) => child.once('exit', (code) => resolve({ kind: 'error', message: `the service child exited (code ${code})` })));
  const next = (): Promise<FromChild> => (queue.length > 0 ? Promise.resolve(queue.shift()!) : Promise.race([new Promise<FromChild>((resolve) => waiting.push(resolve)), exited]));
  child.send({ kind: 'start', dir, store, options } satisfies ToChild);
  const first = await next();
  if (first.kind !== 'listening') {
    child.kill('SIGKILL');
    throw new Error(`the service did not start: ${first.kind === 'error' ? first.message : first.kind}`);
  }
  return { child, url: first.url, next };
}

/** Runs the load and measures it. */
export async function measureServiceLoad(options: LoadOptions): Promise<LoadFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'portflow-service-load-'));
  const storePath = join(dir, 'store.db');
  await writeFile(join(dir, 'load.yaml'), workflowYaml(options.stepMs));
  const { child, url, next } = await startChild(dir, storePath, options);
  try {
    const callMs: number[] = [];
    const submitMs: number[] = [];
    let rejected429 = 0;
    let retries = 0;
    const accepted = new Map<string, string>(); // executionId -> idempotency key
    const failures: string[] = [];
    /** fetch, timing each submit call and counting its 429s. */
    const timedFetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
      const submit = init?.method === 'POST';
      const t0 = performance.now();
      const response = await fetch(input, init);
      if (submit) {
        callMs.push(performance.now() - t0);
        if (response.status === 429) rejected429++;
      }
      return response;
    };
    let nextIndex = 0;
    const start = performance.now();
    // Submitting is bounded in time too: past the limit, submissions in flight are abandoned (and count as failed).
    const stop = AbortSignal.timeout(options.timeLimitS * 1000);
    setMaxListeners(options.clients * 2, stop); // each client's submission in flight listens to it
    const clientLoop = async (): Promise<void> => {
      const client = new PortflowClient({ url, fetch: timedFetch, retry: { maxAttempts: 100, baseDelayMs: 20, maxDelayMs: 2_000 } });
      for (let i = nextIndex++; i < options.submissions && !stop.aborted; i = nextIndex++) {
        const t0 = performance.now();
        try {
          const result = await client.submit('load', { n: i }, { idempotencyKey: randomUUID(), signal: stop });
          submitMs.push(performance.now() - t0);
          retries += result.attempts - 1;
          if (accepted.has(result.executionId)) failures.push(`submission ${i} got the id of an earlier one: ${result.executionId}`);
          accepted.set(result.executionId, result.idempotencyKey);
        } catch (error) {
          failures.push(`submission ${i}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: options.clients }, clientLoop));
    const submitWallMs = performance.now() - start;
    if (nextIndex < options.submissions) failures.push(`${options.submissions - nextIndex} submissions not attempted: the time limit of ${options.timeLimitS} s was reached`);

    const observer = new PortflowClient({ url });
    const deadline = performance.now() + options.timeLimitS * 1000;
    let finishedInTime = false;
    while (performance.now() < deadline) {
      const health = await observer.health();
      if (health.running === 0 && health.queued === 0) {
        finishedInTime = true;
        break;
      }
      await delay(50);
    }
    const wallMs = performance.now() - start;

    // What the API says, before the service closes (closing cancels what is left, which would hide it).
    const seen = new Map<string, Execution>();
    for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
      const page = await observer.list({ workflow: 'load', limit: 1_000, ...(cursor === undefined ? {} : { cursor }) });
      for (const execution of page.executions) seen.set(execution.executionId, execution);
      cursor = page.next;
    }
    const lostIds = new Set<string>();
    for (const id of accepted.keys()) {
      const execution = seen.get(id);
      if (execution === undefined || !TERMINAL.has(execution.status)) lostIds.add(id);
    }
    const completed: Record<string, number> = {};
    for (const execution of seen.values()) if (TERMINAL.has(execution.status)) completed[execution.status] = (completed[execution.status] ?? 0) + 1;

    child.send({ kind: 'close' } satisfies ToChild);
    const closed = await next();
    if (closed.kind !== 'closed') throw new Error(`the service did not close: ${closed.kind === 'error' ? closed.message : closed.kind}`);

    // What the store holds, read directly: every accepted id must be there, each key once.
    const store = await openRunStore(storePath);
    const keys = new Map<string, number>();
    const storedIds = new Set<string>();
    let stored = 0;
    try {
      for (let before: string | undefined, first = true; first || before !== undefined; first = false) {
        const page = await store.listExecutions({ limit: 1_000, ...(before === undefined ? {} : { before }) });
        for (const execution of page.executions) {
          stored++;
          storedIds.add(execution.executionId);
          const key = execution.idempotencyKey;
          if (key !== undefined) keys.set(key, (keys.get(key) ?? 0) + 1);
        }
        before = page.next;
      }
    } finally {
      await store.close();
    }
    for (const id of accepted.keys()) if (!storedIds.has(id)) lostIds.add(id);
    let duplicates = 0;
    for (const count of keys.values()) if (count > 1) duplicates += count - 1;
    duplicates = Math.max(duplicates, stored - accepted.size);
    const lost = lostIds.size;

    return {
      options,
      accepted: accepted.size,
      failed: failures.length,
      failures: failures.slice(0, 10),
      rejected429,
      retries,
      completed,
      stored,
      duplicates,
      lost,
      finishedInTime,
      callLatency: latency(callMs),
      submitLatency: latency(submitMs),
      wallMs,
      submitWallMs,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

/** The figures as markdown. */
export function renderServiceLoad(f: LoadFigures): string {
  const o = f.options;
  const ms = (v: number): string => (Number.isNaN(v) ? '-' : v.toFixed(1));
  const completed = Object.entries(f.completed)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  return [
    `${o.submissions.toLocaleString('en-US')} submissions from ${o.clients} clients; service: maxConcurrentRuns ${o.maxConcurrentRuns}, maxQueuedRuns ${o.maxQueuedRuns}, retryAfterMs ${o.retryAfterMs}; workflow: constant -> delay ${o.stepMs} ms; SQLite store.`,
    '',
    '| figure | value |',
    '| --- | ---: |',
    `| accepted | ${f.accepted} |`,
    `| 429 answers (retried) | ${f.rejected429} |`,
    `| retries (attempts beyond the first) | ${f.retries} |`,
    `| failed submissions | ${f.failed} |`,
    `| completed | ${completed || '0'}${f.finishedInTime ? '' : ` (time limit of ${o.timeLimitS} s reached)`} |`,
    `| executions in the store | ${f.stored} |`,
    `| duplicates | ${f.duplicates} |`,
    `| lost | ${f.lost} |`,
    `| submit call latency p50 / p99 / max (ms) | ${ms(f.callLatency.p50)} / ${ms(f.callLatency.p99)} / ${ms(f.callLatency.max)} (${f.callLatency.count} calls) |`,
    `| submission end to end p50 / p99 / max (ms) | ${ms(f.submitLatency.p50)} / ${ms(f.submitLatency.p99)} / ${ms(f.submitLatency.max)} |`,
    `| all submitted after (s) | ${(f.submitWallMs / 1000).toFixed(2)} |`,
    `| all finished after (s) | ${(f.wallMs / 1000).toFixed(2)} (${((f.accepted / f.wallMs) * 1000).toFixed(0)} executions/s) |`,
    ...(f.failures.length === 0 ? [] : ['', 'Failures (first 10):', ...f.failures.map((line) => `- ${line}`)]),
    '',
  ].join('\n');
}

/** The child: serves the load folder until told to close. */
function serve(): void {
  let close: (() => Promise<void>) | undefined;
  process.on('message', (message: ToChild) => {
    void (async () => {
      try {
        if (message.kind === 'start') {
          const { startService } = await import('@portflow/server');
          const service = await startService({
            workflows: message.dir,
            store: message.store,
            host: '127.0.0.1',
            port: 0,
            maxConcurrentRuns: message.options.maxConcurrentRuns,
            maxQueuedRuns: message.options.maxQueuedRuns,
            retryAfterMs: message.options.retryAfterMs,
          });
          close = async () => void (await service.close({ drain: true }));
          process.send!({ kind: 'listening', url: service.url } satisfies FromChild);
        } else {
          await close?.();
          process.send!({ kind: 'closed' } satisfies FromChild, () => process.exit(0));
        }
      } catch (error) {
        process.send!({ kind: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies FromChild, () => process.exit(1));
      }
    })();
  });
  // The script went away: stop.
  process.on('disconnect', () => void (close?.() ?? Promise.resolve()).finally(() => process.exit(0)));
}

if (require.main === module) {
  if (process.argv.includes('--serve')) serve();
  else {
    const arg = (name: string, fallback: number): number => {
      const value = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
      return value === undefined ? fallback : Number(value);
    };
    const options: LoadOptions = {
      submissions: arg('submissions', FULL.submissions),
      clients: arg('clients', FULL.clients),
      maxConcurrentRuns: arg('max-concurrent', FULL.maxConcurrentRuns),
      maxQueuedRuns: arg('max-queued', FULL.maxQueuedRuns),
      retryAfterMs: arg('retry-after-ms', FULL.retryAfterMs),
      stepMs: arg('step-ms', FULL.stepMs),
      timeLimitS: arg('time-limit-s', FULL.timeLimitS),
    };
    measureServiceLoad(options).then(
      (figures) => {
        process.stdout.write(renderServiceLoad(figures));
        if (figures.duplicates > 0 || figures.lost > 0 || figures.failed > 0) process.exitCode = 1;
      },
      (error: unknown) => {
        process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exitCode = 1;
      },
    );
  }
}
