import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { Client } from 'pg';
import type { SqlDialect } from '../migrations';
import { openRunStore, type OpenRunStoreOptions } from '../open-run-store';
import { dialectFor } from '../postgres/postgres-backend';
import { SQLITE_DIALECT } from '../sqlite/sqlite-backend';
import type { RunStore } from '../run-store';

/**
 * A fresh, empty database for one test: a temporary SQLite file, or a
 * PostgreSQL schema of its own. Every store it opens is closed, and the
 * database and blob directory removed, by `cleanup()`.
 */
export interface RunStoreTarget {
  /** The location to pass to `openRunStore`. */
  readonly location: string;
  /** A temporary directory for the blobs (and the SQLite file). */
  readonly dir: string;
  /** The database's SQL types, as the migrations see them. */
  readonly dialect: SqlDialect;
  /** Opens a store on the target (the target's blob directory unless `options.blobs` says otherwise). */
  open(options?: OpenRunStoreOptions): Promise<RunStore>;
  /** Writes `version` as the store's schema version, as another release would. */
  setSchemaVersion(version: string): Promise<void>;
  /** Runs SQL statements on the target's database (its schema, for PostgreSQL) outside any store. */
  exec(statement: string): Promise<void>;
  /** Closes every store opened and removes the database and directory. */
  cleanup(): Promise<void>;
}

/** Makes a fresh target for each test. */
export type RunStoreTargetFactory = () => Promise<RunStoreTarget>;

/** The PostgreSQL the tests use: `PORTFLOW_TEST_POSTGRES_URL`, or the local server's `test` database. */
export const TEST_POSTGRES_URL = process.env.PORTFLOW_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A SQLite file in a temporary directory. */
export async function sqliteTarget(): Promise<RunStoreTarget> {
  const dir = await mkdtemp(join(tmpdir(), 'portflow-store-'));
  const location = join(dir, 'store.db');
  const stores: RunStore[] = [];
  const exec = async (statement: string): Promise<void> => {
    const db = new Database(location);
    try {
      db.exec(statement);
    } finally {
      db.close();
    }
  };
  return {
    location,
    dir,
    dialect: SQLITE_DIALECT,
    async open(options) {
      const store = await openRunStore(location, { blobs: join(dir, 'objects'), ...options });
      stores.push(store);
      return store;
    },
    async setSchemaVersion(version) {
      await exec(`UPDATE store_meta SET value = '${version}' WHERE key = 'schema_version'`);
    },
    exec,
    async cleanup() {
      await closeAll(stores);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A schema of its own in the test PostgreSQL database, dropped by `cleanup()`. */
export async function postgresTarget(): Promise<RunStoreTarget> {
  const dir = await mkdtemp(join(tmpdir(), 'portflow-store-pg-'));
  const schema = `pf_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const stores: RunStore[] = [];
  return {
    location: `${TEST_POSTGRES_URL}${TEST_POSTGRES_URL.includes('?') ? '&' : '?'}schema=${schema}`,
    dir,
    dialect: dialectFor(schema),
    async open(options) {
      const store = await openRunStore(TEST_POSTGRES_URL, { schema, blobs: join(dir, 'objects'), ...options });
      stores.push(store);
      return store;
    },
    async setSchemaVersion(version) {
      await withClient((client) => client.query(`UPDATE "${schema}".store_meta SET value = $1 WHERE key = 'schema_version'`, [version]));
    },
    async exec(statement) {
      await withClient((client) => client.query(`SET search_path TO "${schema}"; ${statement}`));
    },
    async cleanup() {
      await closeAll(stores);
      await withClient((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Fails with a clear message when the test PostgreSQL cannot be reached. */
export async function requirePostgres(): Promise<void> {
  try {
    await withClient((client) => client.query('SELECT 1'));
  } catch (error) {
    throw new Error(
      `The PostgreSQL tests need a server at ${TEST_POSTGRES_URL} (${error instanceof Error ? error.message : String(error)}). ` +
        'Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set PORTFLOW_TEST_POSTGRES_URL.',
    );
  }
}

async function withClient<T>(body: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

async function closeAll(stores: readonly RunStore[]): Promise<void> {
  // Stores a test left with failed writes still release their database.
  await Promise.allSettled(stores.map((store) => store.close()));
}
