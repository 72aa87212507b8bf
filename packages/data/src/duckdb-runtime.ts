import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/**
 * How the process's DuckDB instance is configured. DuckDB runs queries on
 * its own threads, so the event loop stays free; memory above the limit
 * spills to the temp directory.
 */
export interface DuckDBSettings {
  /** DuckDB worker threads (default: DuckDB's own, the number of cores; env `PORTFLOW_DUCKDB_THREADS`). */
  threads?: number;
  /** e.g. `'2GB'` (default: DuckDB's, 80% of RAM; env `PORTFLOW_DUCKDB_MEMORY_LIMIT`). */
  memoryLimit?: string;
  /** Where DuckDB spills when memory runs short (default: DuckDB's; env `PORTFLOW_DUCKDB_TEMP_DIRECTORY`). */
  tempDirectory?: string;
}

let settings: DuckDBSettings = {};
let instance: Promise<DuckDBInstance> | undefined;
let leases = 0;
let closing: NodeJS.Immediate | undefined;

/**
 * Sets how the DuckDB instance is created. Takes effect when the instance is
 * next opened: call it before the first data step runs, or after
 * {@link closeDuckDB}.
 *
 * @example
 * ```ts
 * configureDuckDB({ threads: 4, memoryLimit: '2GB', tempDirectory: '/scratch/duckdb' });
 * ```
 */
export function configureDuckDB(options: DuckDBSettings): void {
  settings = { ...options };
}

/**
 * Closes the process's DuckDB instance now if no query is running (it is
 * also closed by itself once the last running query ends). The next data
 * step opens a new one.
 *
 * @example
 * ```ts
 * afterAll(() => closeDuckDB());
 * ```
 */
export async function closeDuckDB(): Promise<void> {
  if (closing !== undefined) clearImmediate(closing);
  closing = undefined;
  if (leases > 0 || instance === undefined) return;
  const opened = instance;
  instance = undefined;
  (await opened).closeSync();
}

function configOf(): Record<string, string> {
  const env = process.env;
  const threads = settings.threads ?? (env.PORTFLOW_DUCKDB_THREADS ? Number(env.PORTFLOW_DUCKDB_THREADS) : undefined);
  const memoryLimit = settings.memoryLimit ?? env.PORTFLOW_DUCKDB_MEMORY_LIMIT;
  const tempDirectory = settings.tempDirectory ?? env.PORTFLOW_DUCKDB_TEMP_DIRECTORY;
  const config: Record<string, string> = {};
  if (threads !== undefined && Number.isInteger(threads) && threads > 0) config.threads = String(threads);
  if (memoryLimit) config.memory_limit = memoryLimit;
  if (tempDirectory) config.temp_directory = tempDirectory;
  return config;
}

/** How often an aborted step's query is interrupted again until it stops. */
const INTERRUPT_REPEAT_MS = 10;

/**
 * Runs `work` with a connection of its own to the process's one in-memory
 * DuckDB instance (opened on first use). When `signal` aborts, the
 * connection's query is interrupted. The instance closes itself when no
 * connection is in use, after the current turn of the event loop, so a chain
 * of steps reuses it and nothing is left open when runs end.
 * @internal
 */
export async function withConnection<T>(signal: AbortSignal | undefined, work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  signal?.throwIfAborted();
  leases++;
  if (closing !== undefined) {
    clearImmediate(closing);
    closing = undefined;
  }
  let connection: DuckDBConnection | undefined;
  // DuckDB drops an interrupt that arrives before the query has started on its
  // thread: after an abort, interrupt again every few ms until the work settles.
  let repeat: ReturnType<typeof setInterval> | undefined;
  const interrupt = (): void => {
    connection?.interrupt();
    repeat ??= setInterval(() => connection?.interrupt(), INTERRUPT_REPEAT_MS);
  };
  try {
    if (instance === undefined) {
      // Loaded on first use: the native addon takes most of a second to load, which every
      // `portflow` command would otherwise pay at start-up, data steps or not.
      const created = import('@duckdb/node-api').then(({ DuckDBInstance: Instance }) => Instance.create(':memory:', configOf()));
      instance = created;
      // A bad setting (e.g. memory_limit) fails this open only: the next step tries again.
      created.catch(() => {
        if (instance === created) instance = undefined;
      });
    }
    connection = await (await instance).connect();
    signal?.addEventListener('abort', interrupt, { once: true });
    signal?.throwIfAborted();
    return await work(connection);
  } catch (error) {
    // An interrupted query rejects with DuckDB's "Interrupted!": report the abort's reason instead.
    if (signal?.aborted) throw signal.reason;
    throw error;
  } finally {
    if (repeat !== undefined) clearInterval(repeat);
    signal?.removeEventListener('abort', interrupt);
    connection?.closeSync();
    if (--leases === 0) {
      closing = setImmediate(() => {
        closing = undefined;
        void closeDuckDB();
      });
    }
  }
}
