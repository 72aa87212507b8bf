/** The client's calls against the real service: round trips, errors, the token. */
import { filter, lastValueFrom } from 'rxjs';
import { startService, type RunningService, type ServiceOptions } from '@portflow/server';
import { recordingFetch, workspace, type Workspace as AnyWorkspace } from './__fixtures__/service';
import { PortflowClient } from './client';
import { RetriesExhaustedError, ServiceError } from './errors';
import type { Execution } from './types';

jest.setTimeout(60_000);

type Workspace = AnyWorkspace<ServiceOptions, RunningService>;

let space: Workspace;
afterEach(() => space.dispose());

/** Resolves with the execution once the service says it ended (through the event stream, never polling). */
async function ended(client: PortflowClient, id: string): Promise<Execution> {
  const end = await lastValueFrom(client.events(id).pipe(filter((m) => m.type === 'end')));
  if (end.type !== 'end') throw new Error('unreachable');
  return end.execution;
}

describe('PortflowClient against the service', () => {
  let service: RunningService;
  let client: PortflowClient;

  beforeEach(async () => {
    space = await workspace(startService);
    service = await space.start();
    client = new PortflowClient({ url: service.url, sleep: () => Promise.reject(new Error('no call of this test needs a retry')) });
  });

  it('describes the service and its workflows', async () => {
    await expect(client.health()).resolves.toMatchObject({ status: 'ok', running: 0, queued: 0 });
    const workflows = await client.workflows();
    expect(workflows.map((w) => w.name).sort()).toEqual(['held', 'quick']);
    const quick = await client.workflow('quick');
    expect(quick.name).toBe('quick');
    expect(quick.description).toBe('Says hello');
    expect(quick.steps).toEqual([
      { id: 'first', component: 'constant', dependsOn: [] },
      { id: 'second', component: 'log', dependsOn: ['first'] },
    ]);
    expect(JSON.stringify(quick.params)).toContain('who');
    await expect(client.workflow('nope')).rejects.toMatchObject({ name: 'ServiceError', status: 404, code: 'unknown_workflow' });
  });

  it('submits, reads, logs, lists and cancels executions', async () => {
    const submitted = await client.submit('quick', { who: 'Ada' });
    expect(submitted.attempts).toBe(1);
    expect(submitted.idempotencyKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await ended(client, submitted.executionId)).status).toBe('succeeded');

    const execution = await client.get(submitted.executionId);
    expect(execution).toMatchObject({ executionId: submitted.executionId, workflow: 'quick', params: { who: 'Ada' }, status: 'succeeded', idempotencyKey: submitted.idempotencyKey });
    expect(execution.runIds).toHaveLength(1);
    expect(execution.finishedAt).toBeGreaterThanOrEqual(execution.submittedAt);
    expect(execution.steps?.map((s) => [s.operationId, s.status])).toEqual([
      ['first', 'succeeded'],
      ['second', 'succeeded'],
    ]);
    const logs = await client.logs(submitted.executionId);
    expect(logs.some((line) => line.operationId === 'second' && line.message.includes('hello') && line.message.includes('Ada'))).toBe(true);

    const held = await client.submit('held', { tag: 'to-cancel' });
    await space.gate.untilEntered(1);
    await expect(client.cancel(held.executionId, 'the test cancels it')).resolves.toEqual({ cancelled: true });
    const cancelled = await ended(client, held.executionId);
    expect(cancelled).toMatchObject({ status: 'cancelled', reason: 'the test cancels it' });
    await expect(client.cancel(held.executionId)).resolves.toEqual({ cancelled: false });

    expect((await client.list({ workflow: 'quick' })).executions.map((e) => e.executionId)).toEqual([submitted.executionId]);
    expect((await client.list({ status: 'cancelled' })).executions.map((e) => e.executionId)).toEqual([held.executionId]);
    expect((await client.list({ status: ['succeeded', 'cancelled'] })).executions).toHaveLength(2);
    const first = await client.list({ limit: 1 });
    expect(first.executions.map((e) => e.executionId)).toEqual([held.executionId]); // newest first
    expect(first.next).toEqual(expect.any(String));
    const second = await client.list({ limit: 1, cursor: first.next! });
    expect(second.executions.map((e) => e.executionId)).toEqual([submitted.executionId]);
  });

  it('throws a ServiceError with the status, code and message of what retrying cannot change, after one attempt', async () => {
    const recorded = recordingFetch();
    const counting = new PortflowClient({ url: service.url, fetch: recorded.fetch, sleep: () => Promise.reject(new Error('must not wait')) });
    const unknown = await counting.submit('nope').catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(ServiceError);
    expect(unknown).toMatchObject({ status: 404, code: 'unknown_workflow', message: expect.stringContaining("'quick'") });
    expect(recorded.requests).toHaveLength(1);

    await expect(counting.submit('quick', { whom: 'Ada' })).rejects.toMatchObject({ status: 400, code: 'invalid_params' });
    await expect(counting.get('does-not-exist')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(counting.cancel('does-not-exist')).rejects.toMatchObject({ status: 404 });
    expect(recorded.requests).toHaveLength(4);
    expect((await counting.list()).executions).toEqual([]);
  });
});

describe('a service with a token', () => {
  const token = 'a-long-enough-test-token-0123456789';

  it('answers 401 unauthorized to a wrong token, without retrying, and serves the right one', async () => {
    space = await workspace(startService);
    const service = await space.start({ token });
    const recorded = recordingFetch();
    const wrong = new PortflowClient({ url: service.url, token: 'not-the-token-at-all-0000', fetch: recorded.fetch, sleep: () => Promise.reject(new Error('must not wait')) });
    const error = await wrong.submit('quick').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).not.toBeInstanceOf(RetriesExhaustedError);
    expect(error).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(recorded.requests).toHaveLength(1);
    expect(recorded.requests[0]!.headers.authorization).toBe('Bearer not-the-token-at-all-0000');
    await expect(new PortflowClient({ url: service.url }).health()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });

    const right = new PortflowClient({ url: service.url, token });
    const { executionId } = await right.submit('quick');
    await expect(lastValueFrom(wrong.events(executionId))).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect((await ended(right, executionId)).status).toBe('succeeded');
    expect((await right.list()).executions).toHaveLength(1);
  });
});
