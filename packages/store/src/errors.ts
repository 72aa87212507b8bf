import { PortflowError } from '@portflow/core';

/**
 * What went wrong with a store, for programs that branch on it: every
 * {@link StoreError} carries the code `PORTFLOW_STORE` and one of these kinds.
 */
export type StoreErrorKind = 'location' | 'unavailable' | 'schema' | 'write' | 'closed' | 'blob-missing' | 'execution-transition' | 'execution-missing';

/**
 * Base class of the store's errors (code `PORTFLOW_STORE`); `kind` says
 * which one. A damaged blob is a {@link BlobCorruptError} instead (code
 * `PORTFLOW_BLOB_CORRUPT`), since the remedy differs: recompute, not repair.
 *
 * @example
 * ```ts
 * try { await openRunStore(location); } catch (e) {
 *   if (e instanceof StoreError && e.kind === 'unavailable') console.error(e.message);
 * }
 * ```
 */
export class StoreError extends PortflowError {
  override readonly name: string = 'StoreError';

  /** Which store error this is. */
  readonly kind: StoreErrorKind;

  constructor(kind: StoreErrorKind, message: string, options?: { cause?: unknown }) {
    super('PORTFLOW_STORE', message, options);
    this.kind = kind;
  }
}

/** The forms `openRunStore` accepts, as its errors list them. */
export const ACCEPTED_LOCATIONS =
  'a file path for SQLite (e.g. .portflow/store.db, or a directory to hold store.db), ' +
  'or a PostgreSQL URL (postgres://user@host:5432/database?schema=portflow, or postgresql://...)';

/**
 * `openRunStore` was given a location it does not understand (an unknown
 * URL scheme, an empty string, an invalid PostgreSQL schema name). The
 * message lists the forms it accepts.
 */
export class StoreLocationError extends StoreError {
  override readonly name: string = 'StoreLocationError';

  constructor(
    /** The location as given (with any password masked). */
    readonly location: string,
    problem: string,
  ) {
    super('location', `Cannot use '${location}' as a run store: ${problem}. A location is ${ACCEPTED_LOCATIONS}.`);
  }
}

/**
 * The store's database could not be opened or reached: a PostgreSQL server
 * that refuses the connection, a database that does not exist, a SQLite
 * file that cannot be created or is not a database. The message names where
 * (never a password) and how to fix it.
 */
export class StoreUnavailableError extends StoreError {
  override readonly name: string = 'StoreUnavailableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', message, options);
  }
}

/**
 * The store was written by a schema version this release does not know
 * (a newer `@portflow/store`), or its version record is unreadable. Nothing
 * was changed; upgrade `@portflow/store` or use another location.
 */
export class StoreSchemaError extends StoreError {
  override readonly name: string = 'StoreSchemaError';

  constructor(
    /** The store, as `RunStore.location` shows it. */
    readonly location: string,
    /** The version recorded in the store, as found (a number, or the raw text when unreadable). */
    readonly foundVersion: number | string,
    /** The newest version this release reads and writes. */
    readonly supportedVersion: number,
  ) {
    const found = typeof foundVersion === 'number' ? `schema version ${foundVersion}` : `an unreadable schema version ('${foundVersion}')`;
    super(
      'schema',
      `The run store at ${location} has ${found}; this @portflow/store supports schema versions up to ${supportedVersion}. ` +
        `It was probably written by a newer release: upgrade @portflow/store to read it, or point this program at another location. The store was not changed.`,
    );
  }
}

/** One queued write that could not be stored, and why. */
export interface WriteFailure {
  /** What the write was, e.g. `operation 'train' of run 'r1'`. */
  readonly write: string;
  /** The error the database gave, with a hint where one is known. */
  readonly message: string;
  /** The original error. */
  readonly error: unknown;
}

/**
 * Queued writes (operation records, events, run starts and ends) failed to
 * commit. Raised by `flush()` or `close()` (and by `startRun`/`finishRun`,
 * which flush), never as an unhandled rejection. A failed batch is retried
 * one write at a time, so `failures` lists exactly the writes that were
 * lost; the others were stored.
 */
export class StoreWriteError extends StoreError {
  override readonly name: string = 'StoreWriteError';

  constructor(
    /** The store, as `RunStore.location` shows it. */
    readonly location: string,
    /** Each write that was not stored, and why. */
    readonly failures: readonly WriteFailure[],
  ) {
    const shown = failures.slice(0, 5).map((f) => `  - ${f.write}: ${f.message}`);
    if (failures.length > shown.length) shown.push(`  - ... and ${failures.length - shown.length} more`);
    const count = failures.length === 1 ? '1 queued write was' : `${failures.length} queued writes were`;
    super('write', `${count} not stored in the run store at ${location}:\n${shown.join('\n')}`, { cause: failures[0]?.error });
  }
}

/** The store was used after `close()`. Open a new one with `openRunStore`. */
export class StoreClosedError extends StoreError {
  override readonly name: string = 'StoreClosedError';

  constructor(location: string, action: string) {
    super('closed', `Cannot ${action}: the run store at ${location} is closed. Open it again with openRunStore().`);
  }
}

/**
 * `updateExecution` was asked for a status change an execution cannot
 * make: a finished execution never changes again, and a running one never
 * goes back to `queued`. Nothing was changed.
 *
 * @example
 * ```ts
 * try { await store.updateExecution(id, { status: 'running', startedAt: Date.now() }); } catch (e) {
 *   if (e instanceof ExecutionTransitionError) console.error(`already ${e.from}`);
 * }
 * ```
 */
export class ExecutionTransitionError extends StoreError {
  override readonly name: string = 'ExecutionTransitionError';

  constructor(
    location: string,
    /** The execution. */
    readonly executionId: string,
    /** Its status in the store. */
    readonly from: string,
    /** The status asked for. */
    readonly to: string,
  ) {
    super(
      'execution-transition',
      `Cannot change execution '${executionId}' from '${from}' to '${to}' in the run store at ${location}: ` +
        (from === 'succeeded' || from === 'failed' || from === 'cancelled' ? 'it has finished, and a finished execution never changes again.' : `'${from}' cannot become '${to}'.`),
    );
  }
}

/** `updateExecution` named an execution the store does not hold. Nothing was changed. */
export class ExecutionNotFoundError extends StoreError {
  override readonly name: string = 'ExecutionNotFoundError';

  constructor(
    location: string,
    /** The id asked for. */
    readonly executionId: string,
  ) {
    super('execution-missing', `Execution '${executionId}' is not in the run store at ${location}; create it with createExecution() first.`);
  }
}

/**
 * A blob that an output ref points to is not in the blob store (deleted by
 * hand, or pruned while a run still wrote a ref to it). The output is
 * treated as missing: the operation that produced it will be recomputed.
 */
export class BlobMissingError extends StoreError {
  override readonly name: string = 'BlobMissingError';

  constructor(
    /** The blob's name (its sha256). */
    readonly hash: string,
    /** Where the blob was looked for. */
    readonly file: string,
  ) {
    super('blob-missing', `Blob ${hash} is missing: no file ${file}. The output it held will be recomputed by the operation that produced it.`);
  }
}

/**
 * Stored bytes do not match their sha256: a blob file changed or truncated
 * on disk, or inline output bytes damaged in the database. A corrupt blob
 * file is removed when detected; the output is treated as missing and will
 * be recomputed by the operation that produced it.
 */
export class BlobCorruptError extends PortflowError {
  override readonly name = 'BlobCorruptError';

  constructor(
    /** The hash the bytes should have. */
    readonly hash: string,
    /** The file, or the database for bytes held inline. */
    readonly where: string,
    /** What is wrong: a different hash, or a different size. */
    readonly problem: string,
  ) {
    super('PORTFLOW_BLOB_CORRUPT', `${where} is corrupt: ${problem} (expected sha256 ${hash}). It will be recomputed by the operation that produced it.`);
  }
}
