import { join } from 'node:path';
import { ExecutionEngine, type EngineOptions, type LogEntry, type Logger, silentLogger } from '@portflow/core';
import { RunManager, type CloseReport, type RecoveryReport } from '@portflow/runs';
import { openRunStore, type RunStore } from '@portflow/store';
import { builtinRegistry, type ComponentRegistry } from '@portflow/workflow';
import { isLoopback } from './auth';
import { createApp } from './create-app';
import { ServiceConfigError } from './errors';
import { ExecutionHub } from './execution-hub';
import { Schedules, type ScheduleTick } from './schedules';
import { loadServedWorkflows, type ServedWorkflow } from './served-workflows';
import { ServiceMetrics } from './service-metrics';
import { stepLogger } from './step-logs';

/** Options of {@link startService}. */
export interface ServiceOptions {
  /** The folder of workflow files (`*.yaml`, `*.yml`, `*.json`) to serve; each is served under its `name:`. */
  readonly workflows: string;
  /** The run store: a SQLite file path or a `postgres://` URL (default `<workflows>/.portflow/store.db`), or an open store (left open on close). */
  readonly store?: string | RunStore;
  /**
   * Folders the workflows' steps may read and write files in (default: the
   * workflows folder). A submission whose parameters would make a step use
   * a path outside them is refused (400) and creates nothing.
   */
  readonly roots?: readonly string[];
  /** Components the workflows may name (default `builtinRegistry()`). */
  readonly registry?: ComponentRegistry;
  /** Options of the service's engine (its logger is the service's: step logs go to the store and the event streams). */
  readonly engineOptions?: Omit<EngineOptions, 'logger'>;
  /** Address to bind (default `127.0.0.1`); anything but loopback needs a `token`. */
  readonly host?: string;
  /** Port (default 8080; 0 picks a free one). */
  readonly port?: number;
  /** When set, every API route needs `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Executions running at once (default 4). */
  readonly maxConcurrentRuns?: number;
  /** Executions waiting beyond those (default 100); more are answered 429. */
  readonly maxQueuedRuns?: number;
  /** The `Retry-After` hint of a 429, ms (default 1000). */
  readonly retryAfterMs?: number;
  /** Where the service's own messages go (default: nowhere). */
  readonly logger?: Logger;
  /** How often an idle event stream sends a keep-alive comment, ms (default 15000). */
  readonly keepAliveMs?: number;
  /** Called after each scheduled submission (tests and logs). */
  readonly onScheduleTick?: (tick: ScheduleTick) => void;
}

/** A started service: where it listens, what it recovered, and how to stop it. */
export interface RunningService {
  /** `http://host:port` */
  readonly url: string;
  /** The port it listens on (the one picked, for port 0). */
  readonly port: number;
  /** The run manager behind the routes. */
  readonly manager: RunManager;
  /** The run store. */
  readonly store: RunStore;
  /** The served workflows by name. */
  readonly workflows: ReadonlyMap<string, ServedWorkflow>;
  /** What a previous process left in the store and this one took up again. */
  readonly recovery: RecoveryReport;
  /**
   * Stops the schedules and stops accepting executions (503), then with
   * `drain: true` (default) waits for what runs and waits, or with `drain:
   * false` cancels it; ends open event streams and stops listening. A
   * store it opened is closed. Says what it waited for and cancelled.
   */
  close(options?: { readonly drain?: boolean }): Promise<CloseReport>;
}

/**
 * Starts the run service: loads the workflows of a folder, opens the run
 * store, takes up what a killed process left there (queued executions
 * start, running ones resume from their checkpoints), and listens. Throws a
 * `ServiceConfigError` (and starts nothing) for a workflow that does not
 * load, a bad schedule, or a non-loopback host without a token.
 *
 * @example
 * ```ts
 * const service = await startService({ workflows: 'flows', port: 8080, maxQueuedRuns: 20 });
 * console.log(`listening on ${service.url}`);
 * process.once('SIGTERM', () => void service.close());
 * ```
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const host = options.host ?? '127.0.0.1';
  if (options.token !== undefined && options.token.length < 16) {
    throw new ServiceConfigError('The token is shorter than 16 characters.', 'use a long random token, e.g. the output of: openssl rand -hex 32');
  }
  if (!isLoopback(host) && options.token === undefined) {
    throw new ServiceConfigError(`Refusing to listen on '${host}' without a token: anyone who can reach it could run workflows.`, 'pass --token (or set PORTFLOW_TOKEN), or bind to 127.0.0.1');
  }
  const logger = options.logger ?? silentLogger;
  const workflows = loadServedWorkflows(options.workflows, options.registry ?? builtinRegistry(), options.roots ?? [options.workflows]);
  const hub = new ExecutionHub();
  const ownsStore = typeof options.store !== 'object';
  const store = typeof options.store === 'object' ? options.store : await openRunStore(options.store ?? join(options.workflows, '.portflow', 'store.db'));
  const fallback = (entry: LogEntry): void => logger[entry.level](entry.message, entry.fields);
  const engine = new ExecutionEngine({ ...options.engineOptions, logger: stepLogger(store, hub, fallback) });
  const abort = new AbortController();
  let manager: RunManager | undefined;
  let metrics: ServiceMetrics | undefined;
  let schedules: Schedules | undefined;
  let app: ReturnType<typeof createApp> | undefined;
  const shutdown = async (drain: boolean): Promise<CloseReport> => {
    schedules?.stop();
    const report = manager === undefined ? { waitedFor: [], cancelled: [] } : await manager.close({ drain });
    abort.abort(); // open event streams end
    await app?.close();
    metrics?.close();
    hub.close();
    await engine.close();
    if (ownsStore) await store.close();
    return report;
  };
  try {
    manager = new RunManager({
      engine,
      store,
      workflows: new Map([...workflows].map(([name, served]) => [name, served.runnable])),
      maxConcurrentRuns: options.maxConcurrentRuns ?? 4,
      maxQueuedRuns: options.maxQueuedRuns ?? 100,
      ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
    });
    const running = manager;
    hub.attach(running.events$);
    metrics = new ServiceMetrics(running, running.events$);
    schedules = new Schedules(workflows.values(), (name, params, key) => running.submit(name, params, { idempotencyKey: key }), logger, options.onScheduleTick);
    const recovery = await running.start();
    app = createApp({ manager: running, store, hub, metrics, workflows, logger, closing: abort.signal, keepAliveMs: options.keepAliveMs ?? 15_000 }, options.token);
    await app.listen({ host, port: options.port ?? 8080 });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 8080);
    schedules.start();
    let closing: Promise<CloseReport> | undefined;
    return {
      url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      port,
      manager: running,
      store,
      workflows,
      recovery,
      close: (closeOptions = {}) => (closing ??= shutdown(closeOptions.drain ?? true)),
    };
  } catch (error) {
    await shutdown(false).catch(() => undefined);
    throw error;
  }
}
