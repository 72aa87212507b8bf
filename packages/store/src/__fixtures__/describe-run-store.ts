import { readFile, writeFile } from 'node:fs/promises';
import { InvalidOptionsError } from '@portflow/core';
import { DirectoryBlobStore } from '../directory-blob-store';
import { BlobCorruptError, ExecutionNotFoundError, ExecutionTransitionError, StoreClosedError, StoreSchemaError, StoreWriteError } from '../errors';
import type { ExecutionInput } from '../execution-records';
import { MIGRATIONS, metaTableStatement, STORE_SCHEMA_VERSION } from '../migrations';
import { sha256Hex } from '../content-hash';
import { isInlineOutputRef, type BlobOutputRef, type InlineOutputRef } from '../output-ref';
import type { OperationRecordInput, RunStart } from '../records';
import type { RunStore } from '../run-store';
import type { RunStoreTarget, RunStoreTargetFactory } from './store-targets';

/** A run start with defaults for what a test does not care about. */
export function runStart(runId: string, overrides: Partial<RunStart> = {}): RunStart {
  return { runId, workflow: 'sales', definitionHash: 'def-1', variables: { region: 'EU', limit: 10 }, startedAt: 1_000, ...overrides };
}

/** A submitted execution with defaults. */
export function executionInput(executionId: string, overrides: Partial<ExecutionInput> = {}): ExecutionInput {
  return { executionId, workflow: 'sales', params: { region: 'EU', limit: 10 }, submittedAt: 1_000, ...overrides };
}

/** A succeeded operation record with defaults. */
export function succeeded(operationId: string, overrides: Partial<OperationRecordInput> = {}): OperationRecordInput {
  return { operationId, status: 'succeeded', attempts: 1, startedAt: 2_000, finishedAt: 3_000, ...overrides };
}

/** `length` bytes that differ per `seed`. */
export function bytesOf(seed: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed * 31 + i * 7) & 0xff;
  return bytes;
}

/**
 * The behaviour every `RunStore` backend must have, as one suite: called
 * once per backend with a factory of fresh, empty databases.
 */
export function describeRunStore(name: string, factory: RunStoreTargetFactory): void {
  describe(`RunStore on ${name}`, () => {
    let target: RunStoreTarget;
    let store: RunStore;

    beforeEach(async () => {
      target = await factory();
      store = await target.open();
    });

    afterEach(async () => {
      await target.cleanup();
    });

    describe('runs', () => {
      it('records a run as running and reads it back', async () => {
        await store.startRun(runStart('r1', { resumedFrom: 'r0', codecFormat: 'v8/1' }));
        expect(await store.getRun('r1')).toEqual({
          runId: 'r1',
          workflow: 'sales',
          definitionHash: 'def-1',
          variables: { region: 'EU', limit: 10 },
          status: 'running',
          startedAt: 1_000,
          finishedAt: null,
          resumedFrom: 'r0',
          codecFormat: 'v8/1',
        });
      });

      it('records how a run ended, with its error summary', async () => {
        await store.startRun(runStart('r1'));
        const error = { name: 'PortTypeError', message: 'wrong type', code: 'PORTFLOW_PORT_TYPE' };
        await store.finishRun('r1', { status: 'failed', finishedAt: 5_000, error, reason: 'operation load failed' });
        expect(await store.getRun('r1')).toMatchObject({ status: 'failed', finishedAt: 5_000, error, reason: 'operation load failed' });
      });

      it('returns undefined for a run it does not hold', async () => {
        expect(await store.getRun('nope')).toBeUndefined();
      });

      it('rejects finishing a run it does not hold, naming the run', async () => {
        const finishing = store.finishRun('ghost', { status: 'succeeded', finishedAt: 5_000 });
        await expect(finishing).rejects.toThrow(StoreWriteError);
        await expect(finishing).rejects.toThrow(/the end of run 'ghost': run 'ghost' is not in the store; record it with startRun\(\)/);
      });

      it('rejects a malformed run start at once, naming every problem', async () => {
        const bad = { ...runStart(''), startedAt: Number.NaN, variables: [] as never };
        await expect(store.startRun(bad)).rejects.toThrow(InvalidOptionsError);
        await expect(store.startRun(bad)).rejects.toThrow(/runId must be a non-empty string[\s\S]*startedAt must be epoch milliseconds[\s\S]*variables must be an object/);
      });
    });

    describe('operation records', () => {
      beforeEach(async () => {
        await store.startRun(runStart('r1'));
      });

      it('stores inline and blob outputs and gives their bytes back, verified', async () => {
        const small = bytesOf(1, 100);
        const large = bytesOf(2, store.inlineLimit + 1);
        const outputs = { small: await store.writeOutput(small), large: await store.writeOutput(large) };
        expect(isInlineOutputRef(outputs.small)).toBe(true);
        expect(isInlineOutputRef(outputs.large)).toBe(false);
        store.recordOperation('r1', succeeded('load', { cacheKey: 'k1', outputs }));
        await store.flush();

        const [record] = await store.operations('r1');
        expect(record).toEqual({
          runId: 'r1',
          operationId: 'load',
          status: 'succeeded',
          attempts: 1,
          startedAt: 2_000,
          finishedAt: 3_000,
          cacheKey: 'k1',
          outputs: { small: { hash: outputs.small.hash, size: 100, inline: small }, large: outputs.large },
          restored: false,
        });
        expect(await store.readOutput(record!.outputs.small!)).toEqual(small);
        expect(await store.readOutput(record!.outputs.large!)).toEqual(large);
      });

      it('replaces the record of an operation recorded again, outputs included', async () => {
        store.recordOperation('r1', { operationId: 'train', status: 'running', attempts: 1, startedAt: 2_000, finishedAt: null, outputs: { a: await store.writeOutput(bytesOf(1, 8)) } });
        await store.flush();
        const b = await store.writeOutput(bytesOf(2, 8));
        const error = { name: 'Error', message: 'diverged' };
        store.recordOperation('r1', { operationId: 'train', status: 'failed', attempts: 3, startedAt: 2_000, finishedAt: 9_000, error, outputs: { b } });
        await store.flush();
        expect(await store.operations('r1')).toEqual([
          { runId: 'r1', operationId: 'train', status: 'failed', attempts: 3, startedAt: 2_000, finishedAt: 9_000, error, outputs: { b }, restored: false },
        ]);
      });

      it('keeps the last of several records of one operation queued together', async () => {
        store.recordOperation('r1', succeeded('a', { attempts: 1 }));
        store.recordOperation('r1', succeeded('a', { attempts: 2 }));
        store.recordOperation('r1', succeeded('a', { attempts: 3 }));
        await store.flush();
        expect((await store.operations('r1')).map((r) => r.attempts)).toEqual([3]);
      });

      it("lists a run's records by operation id, apart from other runs'", async () => {
        await store.startRun(runStart('r2'));
        for (const id of ['c', 'a', 'b']) store.recordOperation('r1', succeeded(id));
        store.recordOperation('r2', succeeded('z'));
        await store.flush();
        expect((await store.operations('r1')).map((r) => r.operationId)).toEqual(['a', 'b', 'c']);
        expect((await store.operations('r2')).map((r) => r.operationId)).toEqual(['z']);
        expect(await store.operations('r3')).toEqual([]);
      });

      it('records a restored result with the run it came from', async () => {
        store.recordOperation('r1', succeeded('load', { restoredFrom: 'r0', reason: 'restored' }));
        store.recordOperation('r1', { operationId: 'report', status: 'skipped', attempts: 0, startedAt: null, finishedAt: null, reason: 'upstream failed' });
        await store.flush();
        const [load, report] = await store.operations('r1');
        expect(load).toMatchObject({ restored: true, restoredFrom: 'r0', reason: 'restored' });
        expect(report).toMatchObject({ status: 'skipped', attempts: 0, startedAt: null, finishedAt: null, restored: false, outputs: {} });
      });

      it('rejects a malformed record at once, queuing nothing', async () => {
        const bad = { operationId: 'x', status: 'done', attempts: -1, startedAt: 1, finishedAt: 'later', outputs: { out: { hash: 'abc', size: 1, inline: new Uint8Array(1) } } };
        expect(() => store.recordOperation('r1', bad as never)).toThrow(InvalidOptionsError);
        expect(() => store.recordOperation('r1', bad as never)).toThrow(/status "done" is not one of[\s\S]*attempts must be[\s\S]*finishedAt must be[\s\S]*output 'out': hash "abc" is not a content hash/);
        await expect(store.flush()).resolves.toBeUndefined();
      });

      it('reports a record of a run it does not hold on flush, and stores the rest of the batch', async () => {
        store.recordOperation('r1', succeeded('before'));
        store.recordOperation('ghost', succeeded('lost'));
        store.appendEvents('r1', [{ type: 'after', payload: null }]);
        const flushing = store.flush();
        await expect(flushing).rejects.toThrow(StoreWriteError);
        await expect(flushing).rejects.toThrow(/1 queued write was not stored[\s\S]*operation 'lost' of run 'ghost': .*run 'ghost' is not in the store/);
        expect((await store.operations('r1')).map((r) => r.operationId)).toEqual(['before']);
        expect(await store.events('r1')).toEqual([{ seq: 1, type: 'after', payload: null }]);
        await expect(store.flush()).resolves.toBeUndefined(); // reported once
      });

      it('detects damaged inline bytes and a damaged blob on read', async () => {
        const inline = (await store.writeOutput(bytesOf(1, 10))) as InlineOutputRef;
        const blob = (await store.writeOutput(bytesOf(2, store.inlineLimit + 10))) as BlobOutputRef;
        const flipped = inline.inline.slice();
        flipped[0] = flipped[0]! ^ 1;
        await expect(store.readOutput({ ...inline, inline: flipped })).rejects.toThrow(BlobCorruptError);
        const file = (store.blobs as DirectoryBlobStore).pathOf(blob.blob);
        await writeFile(file, (await readFile(file)).subarray(0, 100));
        await expect(store.readOutput(blob)).rejects.toThrow(/Blob file .* is corrupt: .*changed or truncated.* It will be recomputed/);
      });
    });

    describe('journal', () => {
      beforeEach(async () => {
        await store.startRun(runStart('r1'));
        await store.startRun(runStart('r2'));
      });

      it('numbers events from 1 in the order appended, across calls and commits', async () => {
        store.appendEvents('r1', [
          { type: 'run:started', payload: { at: 1 } },
          { type: 'operation:started', payload: { operationId: 'a' } },
        ]);
        await store.flush();
        store.appendEvents('r1', [{ type: 'operation:completed', payload: { operationId: 'a', outputs: ['x'] } }]);
        store.appendEvents('r1', [{ type: 'run:completed', payload: 'done' }]);
        await store.flush();
        expect(await store.events('r1')).toEqual([
          { seq: 1, type: 'run:started', payload: { at: 1 } },
          { seq: 2, type: 'operation:started', payload: { operationId: 'a' } },
          { seq: 3, type: 'operation:completed', payload: { operationId: 'a', outputs: ['x'] } },
          { seq: 4, type: 'run:completed', payload: 'done' },
        ]);
      });

      it('replays after a sequence number, up to a limit', async () => {
        store.appendEvents('r1', Array.from({ length: 10 }, (_, i) => ({ type: 'tick', payload: i })));
        await store.flush();
        expect((await store.events('r1', { afterSeq: 7 })).map((e) => e.seq)).toEqual([8, 9, 10]);
        expect((await store.events('r1', { afterSeq: 2, limit: 3 })).map((e) => e.payload)).toEqual([2, 3, 4]);
        expect(await store.events('r1', { afterSeq: 10 })).toEqual([]);
      });

      it('replays from any point of journals written in several commits, one event or many in each', async () => {
        const sizes = [4, 1, 5];
        let n = 0;
        for (const size of sizes) {
          store.appendEvents('r1', Array.from({ length: size }, () => ({ type: 'tick', payload: { n: n++ } })));
          await store.flush();
        }
        const all = Array.from({ length: n }, (_, i) => ({ seq: i + 1, type: 'tick', payload: { n: i } }));
        for (let after = 0; after <= n; after++) {
          expect(await store.events('r1', { afterSeq: after })).toEqual(all.slice(after));
          for (const limit of [1, 2, 4]) expect(await store.events('r1', { afterSeq: after, limit })).toEqual(all.slice(after, after + limit));
        }
      });

      it('keeps the journals of runs apart', async () => {
        store.appendEvents('r1', [{ type: 'a', payload: 1 }]);
        store.appendEvents('r2', [{ type: 'b', payload: 2 }]);
        store.appendEvents('r1', [{ type: 'c', payload: 3 }]);
        await store.flush();
        expect(await store.events('r1')).toEqual([
          { seq: 1, type: 'a', payload: 1 },
          { seq: 2, type: 'c', payload: 3 },
        ]);
        expect(await store.events('r2')).toEqual([{ seq: 1, type: 'b', payload: 2 }]);
      });

      it('rejects an event that is not JSON data at once', () => {
        expect(() => store.appendEvents('r1', [{ type: 'x', payload: { n: 1n } as never }])).toThrow(/events\[0\]\.payload is not JSON data/);
      });
    });

    describe('listRuns', () => {
      beforeEach(async () => {
        await store.startRun(runStart('a1', { workflow: 'a', startedAt: 100 }));
        await store.startRun(runStart('b1', { workflow: 'b', startedAt: 200 }));
        await store.startRun(runStart('a2', { workflow: 'a', startedAt: 300 }));
        await store.startRun(runStart('a3', { workflow: 'a', startedAt: 300 }));
        await store.startRun(runStart('b2', { workflow: 'b', startedAt: 400 }));
        await store.finishRun('a1', { status: 'succeeded', finishedAt: 150 });
        await store.finishRun('a2', { status: 'failed', finishedAt: 350 });
      });

      const ids = async (query: Parameters<RunStore['listRuns']>[0]): Promise<string[]> => (await store.listRuns(query)).runs.map((r) => r.runId);

      it('lists runs newest first', async () => {
        expect(await ids({})).toEqual(['b2', 'a3', 'a2', 'b1', 'a1']);
      });

      it('filters by workflow and by one or several statuses', async () => {
        expect(await ids({ workflow: 'a' })).toEqual(['a3', 'a2', 'a1']);
        expect(await ids({ status: 'running' })).toEqual(['b2', 'a3', 'b1']);
        expect(await ids({ workflow: 'a', status: ['succeeded', 'failed'] })).toEqual(['a2', 'a1']);
        expect(await ids({ workflow: 'c' })).toEqual([]);
      });

      it('pages with the next cursor, without gaps or repeats', async () => {
        const seen: string[] = [];
        let before: string | undefined;
        let pages = 0;
        do {
          const page = await store.listRuns({ limit: 2, before });
          seen.push(...page.runs.map((r) => r.runId));
          before = page.next;
          pages++;
        } while (before !== undefined);
        expect(seen).toEqual(['b2', 'a3', 'a2', 'b1', 'a1']);
        expect(pages).toBe(3);
        expect((await store.listRuns({ limit: 5 })).next).toBeUndefined();
      });

      it('rejects a limit out of range, an unknown status and a cursor it did not make', async () => {
        await expect(store.listRuns({ limit: 0 })).rejects.toThrow(/limit must be a whole number from 1 to 1000/);
        await expect(store.listRuns({ status: 'done' as never })).rejects.toThrow(/status "done" is not one of running/);
        await expect(store.listRuns({ before: 'not-a-cursor' })).rejects.toThrow(/is not a cursor; pass the 'next' of a previous page/);
      });
    });

    describe('latestUnfinished', () => {
      it('finds the newest running run of the workflow, ignoring finished ones and other workflows', async () => {
        await store.startRun(runStart('old', { startedAt: 100 }));
        await store.startRun(runStart('newer', { startedAt: 200 }));
        await store.startRun(runStart('newest', { startedAt: 300 }));
        await store.startRun(runStart('other', { workflow: 'other', startedAt: 400 }));
        await store.finishRun('newest', { status: 'succeeded', finishedAt: 350 });
        expect((await store.latestUnfinished('sales'))?.runId).toBe('newer');
        expect((await store.latestUnfinished('other'))?.runId).toBe('other');
        expect(await store.latestUnfinished('none')).toBeUndefined();
      });
    });

    describe('findByCacheKey', () => {
      beforeEach(async () => {
        for (const id of ['r1', 'r2', 'r3']) await store.startRun(runStart(id));
      });

      it('finds the most recent succeeded record with the key, from any run, with its outputs', async () => {
        const out = await store.writeOutput(bytesOf(3, 16));
        store.recordOperation('r1', succeeded('train', { cacheable: true, cacheKey: 'k', finishedAt: 1_000 }));
        store.recordOperation('r2', succeeded('fit', { cacheable: true, cacheKey: 'k', finishedAt: 3_000, outputs: { model: out } }));
        store.recordOperation('r3', succeeded('train', { cacheable: true, cacheKey: 'k', finishedAt: 2_000 }));
        await store.flush();
        expect(await store.findByCacheKey('k')).toMatchObject({ runId: 'r2', operationId: 'fit', outputs: { model: out } });
      });

      it('ignores records that did not succeed, and ones finished before notBefore', async () => {
        store.recordOperation('r1', succeeded('train', { cacheable: true, cacheKey: 'k', finishedAt: 1_000 }));
        store.recordOperation('r2', { ...succeeded('train', { cacheable: true, cacheKey: 'k', finishedAt: 5_000 }), status: 'failed' });
        await store.flush();
        expect((await store.findByCacheKey('k'))?.runId).toBe('r1');
        expect((await store.findByCacheKey('k', { notBefore: 1_000 }))?.runId).toBe('r1');
        expect(await store.findByCacheKey('k', { notBefore: new Date(1_001) })).toBeUndefined();
        expect(await store.findByCacheKey('unknown')).toBeUndefined();
      });

      it('finds only records marked cacheable; the others serve their own run', async () => {
        store.recordOperation('r1', succeeded('train', { cacheKey: 'plain', finishedAt: 1_000 }));
        store.recordOperation('r2', succeeded('train', { cacheKey: 'shared', finishedAt: 1_000, cacheable: true }));
        await store.flush();
        expect(await store.findByCacheKey('plain')).toBeUndefined();
        expect((await store.operations('r1')).map((op) => op.cacheKey)).toEqual(['plain']);
        expect(await store.findByCacheKey('shared')).toMatchObject({ runId: 'r2', operationId: 'train', cacheKey: 'shared' });
      });

      it('follows a cacheable record recorded again, and forgets it when it no longer succeeded', async () => {
        store.recordOperation('r1', succeeded('train', { cacheable: true, cacheKey: 'k', finishedAt: 1_000 }));
        await store.flush();
        store.recordOperation('r1', succeeded('train', { cacheable: true, cacheKey: 'k', finishedAt: 2_000, attempts: 2 }));
        await store.flush();
        expect(await store.findByCacheKey('k')).toMatchObject({ runId: 'r1', finishedAt: 2_000, attempts: 2 });
        store.recordOperation('r1', succeeded('train', { cacheable: true, cacheKey: 'k2', finishedAt: 3_000 }));
        await store.flush();
        expect(await store.findByCacheKey('k')).toBeUndefined();
        expect((await store.findByCacheKey('k2'))?.finishedAt).toBe(3_000);
        store.recordOperation('r1', { ...succeeded('train', { cacheable: true, cacheKey: 'k2' }), status: 'failed' });
        await store.flush();
        expect(await store.findByCacheKey('k2')).toBeUndefined();
      });
    });

    describe('prune', () => {
      it('removes old runs with their records and journals, and keeps newer ones', async () => {
        await store.startRun(runStart('old', { startedAt: 100 }));
        await store.startRun(runStart('new', { startedAt: 200 }));
        await store.finishRun('old', { status: 'succeeded', finishedAt: 150 });
        await store.finishRun('new', { status: 'succeeded', finishedAt: 900 });
        store.recordOperation('old', succeeded('a'));
        store.appendEvents('old', [{ type: 'x', payload: 1 }]);
        store.recordOperation('new', succeeded('a'));
        await store.flush();

        expect(await store.prune({ olderThan: 500 })).toEqual({ runs: ['old'], blobs: [] });
        expect(await store.getRun('old')).toBeUndefined();
        expect(await store.operations('old')).toEqual([]);
        expect(await store.events('old')).toEqual([]);
        expect((await store.operations('new')).map((r) => r.operationId)).toEqual(['a']);
      });

      it('judges an unfinished run by its start', async () => {
        await store.startRun(runStart('stale', { startedAt: 100 }));
        await store.startRun(runStart('fresh', { startedAt: 600 }));
        expect((await store.prune({ olderThan: new Date(500) })).runs).toEqual(['stale']);
      });

      it('deletes the blobs that only removed runs referenced, and keeps shared ones', async () => {
        const limit = store.inlineLimit;
        const onlyOld = await store.writeOutput(bytesOf(1, limit + 1));
        const shared = await store.writeOutput(bytesOf(2, limit + 1));
        const onlyNew = await store.writeOutput(bytesOf(3, limit + 1));
        const unrecorded = await store.blobs.put(bytesOf(4, limit + 1));
        await store.startRun(runStart('old', { startedAt: 100 }));
        await store.startRun(runStart('new', { startedAt: 900 }));
        store.recordOperation('old', succeeded('a', { outputs: { x: onlyOld, y: shared } }));
        store.recordOperation('new', succeeded('a', { outputs: { y: shared, z: onlyNew } }));

        const result = await store.prune({ olderThan: 500 }); // flushes the queued records first
        expect(result).toEqual({ runs: ['old'], blobs: [onlyOld.hash] });
        expect(await store.blobs.list()).toEqual([shared.hash, onlyNew.hash, unrecorded.hash].sort());
        const [kept] = await store.operations('new');
        expect(await store.readOutput(kept!.outputs.y!)).toEqual(bytesOf(2, limit + 1));
      });
    });

    describe('group commit', () => {
      it('holds queued writes until flushed', async () => {
        const batched = await target.open({ groupCommit: { maxItems: 1000, maxDelayMs: 60_000 } });
        await batched.startRun(runStart('r1'));
        for (let i = 0; i < 20; i++) batched.recordOperation('r1', succeeded(`op${i}`));
        batched.appendEvents('r1', [{ type: 'x', payload: 1 }]);
        expect(await store.operations('r1')).toEqual([]);
        await batched.flush();
        expect(await store.operations('r1')).toHaveLength(20);
        expect(await store.events('r1')).toHaveLength(1);
      });

      it('writes what is queued on close', async () => {
        await store.startRun(runStart('r1'));
        store.recordOperation('r1', succeeded('a'));
        store.appendEvents('r1', [{ type: 'x', payload: 1 }]);
        await store.close();
        const reopened = await target.open();
        expect(await reopened.operations('r1')).toHaveLength(1);
        expect(await reopened.events('r1')).toHaveLength(1);
      });

      it('refuses to be used after close', async () => {
        await store.close();
        await store.close(); // idempotent
        expect(() => store.recordOperation('r1', succeeded('a'))).toThrow(StoreClosedError);
        await expect(store.getRun('r1')).rejects.toThrow(/Cannot read a run: the run store at .* is closed/);
      });
    });

    describe('schema versions', () => {
      it('opens a store it created before, keeping its records', async () => {
        await store.startRun(runStart('r1'));
        await store.close();
        expect((await (await target.open()).getRun('r1'))?.runId).toBe('r1');
      });

      it('upgrades a version 1 store: records, cache keys, blob references and the journal are kept', async () => {
        const big = bytesOf(5, store.inlineLimit + 1);
        const blob = await store.writeOutput(big); // the blob file stays; the database is rebuilt as version 1 wrote it
        await store.close();
        const d = target.dialect;
        const small = Uint8Array.of(1, 2, 3);
        const bytes = d.name === 'sqlite' ? "X'010203'" : "'\\x010203'::bytea";
        await target.exec(['executions', 'events', 'operation_log', 'cache_entries', 'blob_refs', 'runs', 'store_meta'].map((t) => `DROP TABLE ${t}`).join(';\n'));
        await target.exec(
          [
            metaTableStatement(d),
            ...MIGRATIONS[0]!.up(d),
            "INSERT INTO store_meta (key, value) VALUES ('schema_version', '1')",
            "INSERT INTO runs (run_id, workflow, definition_hash, variables, status, started_at, finished_at) VALUES ('r1', 'sales', 'h', '{}', 'failed', 1000, 4000)",
            `INSERT INTO operations (run_id, operation_id, status, attempts, started_at, finished_at, error, reason, cache_key, restored_from) VALUES
               ('r1', 'load', 'succeeded', 1, 1000, 2000, NULL, NULL, 'k-load', NULL),
               ('r1', 'fit', 'failed', 2, 2000, 3000, '{"name":"Error","message":"boom"}', NULL, 'k-fit', NULL)`,
            `INSERT INTO outputs (run_id, operation_id, port, hash, size, inline_bytes, blob_hash) VALUES
               ('r1', 'load', 'rows', '${sha256Hex(small)}', 3, ${bytes}, NULL),
               ('r1', 'load', 'big', '${blob.hash}', ${big.length}, NULL, '${blob.hash}')`,
            "INSERT INTO events (run_id, seq, type, payload) VALUES ('r1', 1, 'a', '1'), ('r1', 2, 'b', '2')",
          ].join(';\n'),
        );

        const upgraded = await target.open();
        const [fit, load] = await upgraded.operations('r1');
        expect(fit).toMatchObject({ operationId: 'fit', status: 'failed', attempts: 2, error: { name: 'Error', message: 'boom' }, cacheKey: 'k-fit', outputs: {} });
        expect(load).toMatchObject({ operationId: 'load', status: 'succeeded', startedAt: 1000, finishedAt: 2000, cacheKey: 'k-load', restored: false });
        expect(await upgraded.readOutput(load!.outputs.rows!)).toEqual(small);
        expect(await upgraded.readOutput(load!.outputs.big!)).toEqual(big);
        expect(await upgraded.findByCacheKey('k-load')).toMatchObject({ runId: 'r1', operationId: 'load' });
        expect(await upgraded.findByCacheKey('k-fit')).toBeUndefined();

        upgraded.appendEvents('r1', [
          { type: 'c', payload: 3 },
          { type: 'd', payload: 4 },
        ]);
        await upgraded.flush();
        expect((await upgraded.events('r1')).map((e) => [e.seq, e.type])).toEqual([
          [1, 'a'],
          [2, 'b'],
          [3, 'c'],
          [4, 'd'],
        ]);
        expect(await upgraded.prune({ olderThan: 5000 })).toEqual({ runs: ['r1'], blobs: [blob.hash] });
      });

      it('upgrades a version 2 store: its runs are kept and executions can be recorded', async () => {
        await store.startRun(runStart('r1'));
        await store.close();
        await target.exec('DROP TABLE executions');
        await target.setSchemaVersion('2');
        const upgraded = await target.open();
        expect((await upgraded.getRun('r1'))?.runId).toBe('r1');
        expect(await upgraded.unfinishedExecutions()).toEqual([]);
        const { execution } = await upgraded.createExecution(executionInput('e1'));
        expect(execution).toMatchObject({ executionId: 'e1', status: 'queued', position: 1 });
      });

      it('refuses a store written by a newer schema version, saying what to do', async () => {
        await store.close();
        await target.setSchemaVersion(String(STORE_SCHEMA_VERSION + 98));
        const opening = target.open();
        await expect(opening).rejects.toThrow(StoreSchemaError);
        await expect(opening).rejects.toThrow(
          new RegExp(`has schema version ${STORE_SCHEMA_VERSION + 98}; this @portflow/store supports schema versions up to ${STORE_SCHEMA_VERSION}.*upgrade @portflow/store`),
        );
      });

      it('refuses a store whose schema version is unreadable', async () => {
        await store.close();
        await target.setSchemaVersion('two');
        await expect(target.open()).rejects.toThrow(/has an unreadable schema version \('two'\)/);
      });
    });

    describe('executions', () => {
      it('records a submitted execution as queued, committed when it resolves, and reads it back', async () => {
        const created = await store.createExecution(executionInput('e1', { idempotencyKey: 'k1' }));
        const expected = {
          executionId: 'e1',
          workflow: 'sales',
          params: { region: 'EU', limit: 10 },
          status: 'queued',
          position: 1,
          submittedAt: 1_000,
          startedAt: null,
          finishedAt: null,
          runIds: [],
          idempotencyKey: 'k1',
        };
        expect(created).toEqual({ execution: expected, created: true });
        const other = await target.open(); // another connection sees it: it is committed
        expect(await other.getExecution('e1')).toEqual(expected);
        expect(await store.getExecution('nope')).toBeUndefined();
      });

      it('numbers executions in submission order, across workflows', async () => {
        for (const [i, workflow] of ['a', 'b', 'a'].entries()) await store.createExecution(executionInput(`e${i}`, { workflow }));
        expect((await store.unfinishedExecutions()).map((e) => [e.executionId, e.position])).toEqual([
          ['e0', 1],
          ['e1', 2],
          ['e2', 3],
        ]);
      });

      it('returns the existing execution for an idempotency key its workflow already used, creating nothing', async () => {
        await store.createExecution(executionInput('e1', { idempotencyKey: 'k' }));
        const again = await store.createExecution(executionInput('e2', { idempotencyKey: 'k', params: { other: true } }));
        expect(again).toMatchObject({ created: false, execution: { executionId: 'e1', params: { region: 'EU', limit: 10 } } });
        expect(await store.getExecution('e2')).toBeUndefined();
        // The same key of another workflow is another execution.
        expect((await store.createExecution(executionInput('e3', { idempotencyKey: 'k', workflow: 'billing' }))).created).toBe(true);
        const keyed = await Promise.all([0, 1, 2, 3].map((i) => store.createExecution(executionInput(`c${i}`, { idempotencyKey: 'same' }))));
        expect(keyed.filter((k) => k.created)).toHaveLength(1);
        expect(new Set(keyed.map((k) => k.execution.executionId)).size).toBe(1);
      });

      it('records the way through running to how it ended, with each engine run id once', async () => {
        await store.createExecution(executionInput('e1'));
        await store.updateExecution('e1', { status: 'running', startedAt: 2_000, runId: 'run-1' });
        await store.updateExecution('e1', { status: 'running', startedAt: 9_999, runId: 'run-2' }); // resumed: the first start stays
        await store.updateExecution('e1', { status: 'running', runId: 'run-2' });
        const error = { name: 'Error', message: 'boom', code: 'X' };
        const finished = await store.updateExecution('e1', { status: 'failed', finishedAt: 3_000, error, reason: 'step load failed' });
        expect(finished).toMatchObject({ status: 'failed', startedAt: 2_000, finishedAt: 3_000, runIds: ['run-1', 'run-2'], error, reason: 'step load failed' });
        expect(await store.getExecution('e1')).toEqual(finished);
        expect(await store.unfinishedExecutions()).toEqual([]);
      });

      it('refuses a change a finished execution cannot make, changing nothing', async () => {
        await store.createExecution(executionInput('e1'));
        await store.updateExecution('e1', { status: 'cancelled', finishedAt: 2_000, reason: 'cancelled while queued' });
        const update = store.updateExecution('e1', { status: 'running', startedAt: 3_000, runId: 'late' });
        await expect(update).rejects.toThrow(ExecutionTransitionError);
        await expect(update).rejects.toThrow(/Cannot change execution 'e1' from 'cancelled' to 'running'.*a finished execution never changes again/);
        expect(await store.getExecution('e1')).toMatchObject({ status: 'cancelled', runIds: [], startedAt: null });
        await store.createExecution(executionInput('e2'));
        await store.updateExecution('e2', { status: 'running', startedAt: 1 });
        await expect(store.updateExecution('e2', { status: 'queued' })).rejects.toThrow(/from 'running' to 'queued'/);
        await expect(store.updateExecution('ghost', { status: 'running', startedAt: 1 })).rejects.toThrow(ExecutionNotFoundError);
      });

      it('rejects a malformed execution or update at once, naming every problem, and stores nothing', async () => {
        const bad = { executionId: '', workflow: 7, params: [1], submittedAt: -1 } as unknown as ExecutionInput;
        const creating = store.createExecution(bad);
        await expect(creating).rejects.toThrow(InvalidOptionsError);
        const error = (await creating.catch((e: unknown) => e)) as InvalidOptionsError;
        expect(error.problems).toEqual([
          'executionId must be a non-empty string (got "")',
          'workflow must be a non-empty string (got 7)',
          'submittedAt must be epoch milliseconds (got -1)',
          'params must be an object of JSON values',
        ]);
        await store.createExecution(executionInput('e1'));
        const updating = store.updateExecution('e1', { status: 'done' as 'succeeded', runId: '' });
        const problems = ((await updating.catch((e: unknown) => e)) as InvalidOptionsError).problems;
        expect(problems).toEqual(['status "done" is not one of queued, running, succeeded, failed, cancelled', 'runId must be a non-empty string (got "")']);
        await expect(store.updateExecution('e1', { status: 'succeeded' })).rejects.toThrow(/finishedAt is required with status 'succeeded'/);
        expect((await store.listExecutions()).executions.map((e) => e.executionId)).toEqual(['e1']);
      });

      it('lists newest first, filtered by workflow and status, a page at a time', async () => {
        for (let i = 0; i < 7; i++) await store.createExecution(executionInput(`e${i}`, { workflow: i % 2 === 0 ? 'a' : 'b' }));
        await store.updateExecution('e2', { status: 'running', startedAt: 5 });
        expect((await store.listExecutions({ workflow: 'a' })).executions.map((e) => e.executionId)).toEqual(['e6', 'e4', 'e2', 'e0']);
        expect((await store.listExecutions({ status: 'running' })).executions.map((e) => e.executionId)).toEqual(['e2']);
        expect((await store.listExecutions({ workflow: 'a', status: ['queued'] })).executions.map((e) => e.executionId)).toEqual(['e6', 'e4', 'e0']);
        const seen: string[] = [];
        let page = await store.listExecutions({ limit: 3 });
        seen.push(...page.executions.map((e) => e.executionId));
        while (page.next !== undefined) {
          page = await store.listExecutions({ limit: 3, before: page.next });
          seen.push(...page.executions.map((e) => e.executionId));
        }
        expect(seen).toEqual(['e6', 'e5', 'e4', 'e3', 'e2', 'e1', 'e0']);
        const listing = (await store.listExecutions({ limit: 0, status: 'done' as 'queued', before: 'x' }).catch((e: unknown) => e)) as InvalidOptionsError;
        expect(listing.problems).toEqual([
          'limit must be a whole number from 1 to 1000 (got 0)',
          'status "done" is not one of queued, running, succeeded, failed, cancelled',
          `before "x" is not a cursor; pass the 'next' of a previous page`,
        ]);
      });
    });

    describe('concurrent writers', () => {
      it('two stores on one database write different runs at once without mixing them', async () => {
        const other = await target.open();
        const writers = [store, other];
        const runs = 20;
        for (let i = 0; i < runs; i++) {
          await Promise.all(writers.map((w, k) => w.startRun(runStart(`w${k}-r${i}`, { startedAt: 1_000 + i }))));
          for (let op = 0; op < 5; op++) {
            writers.forEach((w, k) => {
              w.recordOperation(`w${k}-r${i}`, succeeded(`op${op}`, { attempts: k + 1 }));
              w.appendEvents(`w${k}-r${i}`, [{ type: 'op', payload: { writer: k, op } }]);
            });
          }
        }
        await Promise.all(writers.map((w) => w.flush()));

        const listed = await store.listRuns({ limit: 1000 });
        expect(listed.runs).toHaveLength(2 * runs);
        for (let k = 0; k < 2; k++) {
          for (let i = 0; i < runs; i++) {
            const ops = await other.operations(`w${k}-r${i}`);
            expect(ops.map((o) => [o.operationId, o.attempts])).toEqual([0, 1, 2, 3, 4].map((op) => [`op${op}`, k + 1]));
            const events = await store.events(`w${k}-r${i}`);
            expect(events).toEqual([0, 1, 2, 3, 4].map((op) => ({ seq: op + 1, type: 'op', payload: { writer: k, op } })));
          }
        }
      });
    });
  });
}
