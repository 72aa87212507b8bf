/** The event stream of an execution against the real service: order, completion, reconnection, unsubscription. */
import { lastValueFrom, toArray } from 'rxjs';
import { startService, type RunningService, type ServiceOptions } from '@portflow/server';
import { recordingFetch, startProxy, workspace, type Proxy, type Workspace as AnyWorkspace } from './__fixtures__/service';
import { PortflowClient } from './client';
import type { EngineMessage, ServiceEvent } from './types';

jest.setTimeout(60_000);

type Workspace = AnyWorkspace<ServiceOptions, RunningService>;

let space: Workspace;
let service: RunningService;
let proxy: Proxy | undefined;
beforeEach(async () => {
  space = await workspace(startService);
  service = await space.start();
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await space.dispose();
});

const ENGINE_TYPES = new Set(['RunStarted', 'OperationStarted', 'OperationProgress', 'OperationRetrying', 'OperationCompleted', 'OperationRestored', 'OperationFailed', 'OperationSkipped', 'OperationCancelled', 'RunCompleted']);

/** The engine events the store's journal holds for the execution, as `type operationId`, in order. */
async function journal(id: string): Promise<string[]> {
  const runs = await service.manager.journal(id);
  return runs.flatMap((run) => run.events.filter((e) => ENGINE_TYPES.has(e.type)).map((e) => `${e.type} ${(e.payload as { operationId?: string }).operationId ?? ''}`));
}

/** The same of the engine messages a stream delivered. */
const described = (events: readonly EngineMessage[]): string[] => events.map((m) => `${m.event.type} ${m.event.operationId ?? ''}`);

const engine = (messages: readonly ServiceEvent[]): EngineMessage[] => messages.filter((m): m is EngineMessage => m.type === 'engine');

/** Collects a stream's messages; `until` resolves once a condition on them holds. */
function collect(client: PortflowClient, id: string) {
  const messages: ServiceEvent[] = [];
  const checks: (() => void)[] = [];
  let resolveDone!: () => void;
  let rejectDone!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => ((resolveDone = resolve), (rejectDone = reject)));
  const subscription = client.events(id).subscribe({
    next: (message) => {
      messages.push(message);
      for (const check of checks.splice(0)) check();
    },
    error: rejectDone,
    complete: resolveDone,
  });
  const until = (condition: (all: readonly ServiceEvent[]) => boolean): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => (condition(messages) ? resolve() : void checks.push(check));
      check();
    });
  return { messages, done, until, subscription };
}

describe('PortflowClient.events', () => {
  it('delivers the execution, every engine event once and in order, the state changes and the end, then completes', async () => {
    const client = new PortflowClient({ url: service.url, sleep: () => Promise.reject(new Error('no reconnection expected')) });
    const { executionId } = await client.submit('quick', { who: 'events' });
    const messages = await lastValueFrom(client.events(executionId).pipe(toArray()));

    expect(messages[0]).toMatchObject({ type: 'execution', execution: { executionId, workflow: 'quick' } });
    expect(messages.at(-1)).toMatchObject({ type: 'end', execution: { executionId, status: 'succeeded' } });
    const events = engine(messages);
    expect(events.map((m) => m.event.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]!.event.type).toBe('RunStarted');
    expect(events.at(-1)!.event).toMatchObject({ type: 'RunCompleted', status: 'succeeded' });
    expect(events.filter((m) => m.event.type === 'OperationCompleted').map((m) => m.event.operationId)).toEqual(['first', 'second']);
    expect(new Set(events.map((m) => m.id)).size).toBe(events.length);
    expect(events.every((m) => m.runIndex === 0)).toBe(true);
    expect(described(events)).toEqual(await journal(executionId));

    // A second subscription (cold: its own request) replays the same from the store.
    const again = await lastValueFrom(client.events(executionId).pipe(toArray()));
    expect(engine(again).map((m) => [m.id, m.event.seq, m.event.type])).toEqual(events.map((m) => [m.id, m.event.seq, m.event.type]));
  });

  it('reconnects after a dropped connection with Last-Event-ID, losing and repeating no engine event', async () => {
    proxy = await startProxy(service.port);
    const recorded = recordingFetch();
    const waits: number[] = [];
    const client = new PortflowClient({ url: proxy.url, fetch: recorded.fetch, sleep: async (ms) => void waits.push(ms) });
    const { executionId } = await client.submit('held', { tag: 'resume' });
    const stream = collect(client, executionId);

    await stream.until((all) => engine(all).some((m) => m.event.type === 'OperationStarted' && m.event.operationId === 'wait'));
    const before = engine(stream.messages);
    proxy.dropAll();
    // The second connection's first message is the execution again; then the step is released.
    await stream.until((all) => all.filter((m) => m.type === 'execution').length === 2);
    space.gate.open();
    await stream.done;

    const streams = recorded.requests.filter((r) => r.url.endsWith('/events'));
    expect(streams).toHaveLength(2);
    expect(streams[0]!.headers['last-event-id']).toBeUndefined();
    expect(streams[1]!.headers['last-event-id']).toBe(before.at(-1)!.id);
    expect(waits).toHaveLength(1);

    const events = engine(stream.messages);
    expect(events.map((m) => m.event.seq)).toEqual(events.map((_, i) => i + 1));
    expect(described(events)).toEqual(await journal(executionId));
    expect(events.filter((m) => m.event.type === 'OperationCompleted').map((m) => m.event.operationId)).toEqual(['wait', 'after']);
    expect(stream.messages.at(-1)).toMatchObject({ type: 'end', execution: { status: 'succeeded' } });
  });

  it('aborts its request when unsubscribed, and a cancelled execution still ends its stream', async () => {
    const recorded = recordingFetch();
    const client = new PortflowClient({ url: service.url, fetch: recorded.fetch });
    const { executionId } = await client.submit('held');
    const stream = collect(client, executionId);
    await stream.until((all) => all.length > 0);
    const request = recorded.requests.find((r) => r.url.endsWith('/events'))!;
    expect(request.signal?.aborted).toBe(false);
    stream.subscription.unsubscribe();
    expect(request.signal?.aborted).toBe(true);

    const watcher = collect(client, executionId);
    await client.cancel(executionId, 'no longer needed');
    await watcher.done;
    expect(watcher.messages.at(-1)).toMatchObject({ type: 'end', execution: { status: 'cancelled' } });
    expect(watcher.messages.some((m) => m.type === 'state' && m.state.status === 'cancelled')).toBe(true);
  });

  it('fails with the ServiceError of an unknown execution', async () => {
    const client = new PortflowClient({ url: service.url });
    await expect(lastValueFrom(client.events('no-such-execution'))).rejects.toMatchObject({ name: 'ServiceError', status: 404, code: 'not_found' });
  });
});
