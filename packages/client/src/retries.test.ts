/**
 * Retries against the real service: a full queue (429), a service not up
 * yet (ECONNREFUSED), an answer lost after the service accepted (a reset).
 * Waits go through an injected `sleep` that the test controls.
 */
import { startService, type RunningService, type ServiceOptions } from '@portflow/server';
import type { RetryInfo } from './backoff';
import { freePort, recordingFetch, startProxy, workspace, type Proxy, type Workspace as AnyWorkspace } from './__fixtures__/service';
import { PortflowClient } from './client';
import { networkErrorCode, RetriesExhaustedError, ServiceError } from './errors';

jest.setTimeout(60_000);

type Workspace = AnyWorkspace<ServiceOptions, RunningService>;

let space: Workspace;
let proxy: Proxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await space.dispose();
});

/** The idempotency keys of the POSTs a recording fetch saw, in order. */
const postedKeys = (requests: ReturnType<typeof recordingFetch>['requests']): string[] =>
  requests.filter((r) => r.method === 'POST' && r.url.endsWith('/executions')).map((r) => (r.body as { idempotencyKey: string }).idempotencyKey);

describe('a full queue (429)', () => {
  it('is retried after the wait the service asks for, then accepted, creating one execution per submit', async () => {
    space = await workspace(startService);
    const service = await space.start({ maxConcurrentRuns: 1, maxQueuedRuns: 1, retryAfterMs: 700 });
    const waits: number[] = [];
    const retries: RetryInfo[] = [];
    const recorded = recordingFetch();
    const client = new PortflowClient({
      url: service.url,
      fetch: recorded.fetch,
      retry: { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 400, onRetry: (info) => retries.push(info) },
      // The wait is where the queue drains: the test lets the held executions finish, then the client tries again.
      sleep: async (ms) => {
        waits.push(ms);
        space.gate.open();
        await service.manager.waitForAll();
      },
    });

    const running = await client.submit('held', { tag: 'a' });
    await space.gate.untilEntered(1);
    const queued = await client.submit('held', { tag: 'b' });
    const refusedFirst = await client.submit('held', { tag: 'c' });

    expect([running.attempts, queued.attempts, refusedFirst.attempts]).toEqual([1, 1, 2]);
    expect(retries).toHaveLength(1);
    expect(retries[0]!.error).toBeInstanceOf(ServiceError);
    expect(retries[0]!.error).toMatchObject({ status: 429, code: 'queue_full', retryAfterMs: 700 });
    expect(retries[0]!.operation).toBe("submit to workflow 'held'");
    expect(waits).toEqual([700]); // at least Retry-After, though above maxDelayMs
    const keys = postedKeys(recorded.requests);
    expect(keys).toEqual([running.idempotencyKey, queued.idempotencyKey, refusedFirst.idempotencyKey, refusedFirst.idempotencyKey]);
    expect(new Set(keys).size).toBe(3);

    await service.manager.waitForAll();
    const { executions } = await client.list({ workflow: 'held' });
    expect(executions.map((e) => e.executionId).sort()).toEqual([running.executionId, queued.executionId, refusedFirst.executionId].sort());
    expect(executions.map((e) => e.params.tag).sort()).toEqual(['a', 'b', 'c']);
    expect(executions.every((e) => e.status === 'succeeded')).toBe(true);
  });

  it('gives up after maxAttempts, saying how many attempts were made and why the last failed, creating nothing', async () => {
    space = await workspace(startService);
    const service = await space.start({ maxConcurrentRuns: 1, maxQueuedRuns: 1, retryAfterMs: 250 });
    const waits: number[] = [];
    const client = new PortflowClient({ url: service.url, retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 }, sleep: async (ms) => void waits.push(ms) });
    await client.submit('held');
    await space.gate.untilEntered(1);
    await client.submit('held');

    const error = await client.submit('held', { tag: 'refused' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).attempts).toBe(3);
    expect((error as Error).message).toMatch(/^submit to workflow 'held' failed after 3 attempts; last error: HTTP 429 queue_full: /);
    expect((error as Error).cause).toMatchObject({ status: 429 });
    expect(waits).toEqual([250, 250]);
    expect((await client.list()).executions.map((e) => e.params.tag)).not.toContain('refused');
    expect((await client.list()).executions).toHaveLength(2);
  });
});

describe('a service that is not up yet (ECONNREFUSED)', () => {
  it('is retried with backoff until the service listens on that port', async () => {
    space = await workspace(startService);
    const port = await freePort();
    const retries: RetryInfo[] = [];
    let service: RunningService | undefined;
    const client = new PortflowClient({
      url: `http://127.0.0.1:${port}`,
      retry: { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 1_000, onRetry: (info) => retries.push(info) },
      random: () => 0.5,
      sleep: async () => {
        // The second wait starts the service: two attempts were refused before it listens.
        if (retries.length === 2) service = await space.start({ port });
      },
    });

    const { executionId, attempts } = await client.submit('quick', { who: 'late' });
    expect(attempts).toBe(3);
    expect(retries.map((r) => networkErrorCode(r.error))).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
    expect(retries.map((r) => r.delayMs)).toEqual([50, 100]); // full jitter (0.5 of a cap that doubles)
    expect(service).toBeDefined();
    await service!.manager.waitForAll();
    const { executions } = await client.list();
    expect(executions.map((e) => e.executionId)).toEqual([executionId]);
    expect(executions[0]).toMatchObject({ status: 'succeeded', params: { who: 'late' } });
  });

  it('gives up with the attempts made and the refusal as the last cause', async () => {
    space = await workspace(startService);
    const client = new PortflowClient({ url: `http://127.0.0.1:${await freePort()}`, retry: { maxAttempts: 2 }, sleep: async () => undefined });
    const error = await client.health().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as Error).message).toMatch(/^health failed after 2 attempts; last error: ECONNREFUSED: fetch failed/);
  });
});

describe('idempotency keys', () => {
  it('are sent on every attempt, so an answer lost after the service accepted is retried without a second execution', async () => {
    space = await workspace(startService);
    const service = await space.start();
    proxy = await startProxy(service.port);
    const recorded = recordingFetch();
    const retries: RetryInfo[] = [];
    const client = new PortflowClient({ url: proxy.url, fetch: recorded.fetch, retry: { onRetry: (info) => retries.push(info) }, sleep: async () => undefined });

    proxy.resetNextResponse();
    const { executionId, idempotencyKey, attempts } = await client.submit('quick', { who: 'once' });
    expect(attempts).toBe(2);
    expect(['ECONNRESET', 'UND_ERR_SOCKET']).toContain(networkErrorCode(retries[0]!.error));
    expect(postedKeys(recorded.requests)).toEqual([idempotencyKey, idempotencyKey]);
    await service.manager.waitForAll();
    const { executions } = await client.list({ workflow: 'quick' });
    expect(executions.map((e) => [e.executionId, e.idempotencyKey])).toEqual([[executionId, idempotencyKey]]);
  });

  it("of the caller's are sent as given: submitting again returns the first execution", async () => {
    space = await workspace(startService);
    const service = await space.start();
    const recorded = recordingFetch();
    const client = new PortflowClient({ url: service.url, fetch: recorded.fetch });
    const first = await client.submit('quick', { who: 'a' }, { idempotencyKey: 'order-42' });
    const again = await client.submit('quick', { who: 'a' }, { idempotencyKey: 'order-42' });
    expect(again.executionId).toBe(first.executionId);
    expect(postedKeys(recorded.requests)).toEqual(['order-42', 'order-42']);
    await service.manager.waitForAll();
    expect((await client.list()).executions).toHaveLength(1);
  });

  it('a call without one (cancel) is not retried after a reset: it may have been done', async () => {
    space = await workspace(startService);
    const service = await space.start();
    proxy = await startProxy(service.port);
    const recorded = recordingFetch();
    const client = new PortflowClient({ url: proxy.url, fetch: recorded.fetch, sleep: () => Promise.reject(new Error('must not wait')) });
    const { executionId } = await client.submit('held');
    await space.gate.untilEntered(1);
    proxy.resetNextResponse();
    const error = await client.cancel(executionId).catch((e: unknown) => e);
    expect(['ECONNRESET', 'UND_ERR_SOCKET']).toContain(networkErrorCode(error));
    expect(recorded.requests.filter((r) => r.url.endsWith('/cancel'))).toHaveLength(1);
    // It was done: the service cancelled it, though the answer was lost.
    await service.manager.waitForAll();
    expect((await client.get(executionId)).status).toBe('cancelled');
  });
});
