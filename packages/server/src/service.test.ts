import { Gates } from '@portflow/core/testing';
import type { ExecutionEvent } from '@portflow/runs';
import { firstValueFrom, filter } from 'rxjs';
import { chainYaml, HeldSteps, heldRegistry, workflowFolder } from './__fixtures__/held-steps';
import { readSse, type SseMessage } from './__fixtures__/sse';
import { ServiceConfigError, startService, type RunningService, type ServiceOptions } from './index';

const TOKEN = 'a-test-token-of-enough-length';

describe('the run service', () => {
  let holds: Gates;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeEach(() => {
    holds = new Gates();
    HeldSteps.current = holds;
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function serve(files: Record<string, string>, options: Partial<ServiceOptions> = {}): Promise<RunningService> {
    const folder = workflowFolder(files);
    cleanups.push(() => folder.remove());
    const service = await startService({ workflows: folder.dir, registry: heldRegistry(), port: 0, ...options });
    cleanups.push(async () => void (await service.close({ drain: false })));
    return service;
  }

  async function call(service: RunningService, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> /* eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of every route */ {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text.length > 0 && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: response.headers };
  }

  const finished = (service: RunningService, executionId: string) =>
    firstValueFrom(service.manager.events$.pipe(filter((e: ExecutionEvent) => e.type === 'ExecutionStateChanged' && e.executionId === executionId && ['succeeded', 'failed', 'cancelled'].includes(e.status))));

  it('runs executions with their own parameters side by side, each with its own results and logs', async () => {
    const service = await serve({ 'chain.yaml': chainYaml('chain', 2) });
    holds.autoOpen = true;
    const a = await call(service, 'POST', '/workflows/chain/executions', { params: { tag: 'a', n: 1 } });
    const b = await call(service, 'POST', '/workflows/chain/executions', { params: { tag: 'b', n: 2 } });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.headers.get('location')).toBe(`/executions/${a.body.executionId}`);
    await service.manager.waitForAll();
    for (const [submitted, tag, n] of [[a, 'a', 1], [b, 'b', 2]] as const) {
      const execution = await call(service, 'GET', `/executions/${submitted.body.executionId}`);
      expect(execution.body).toMatchObject({ executionId: submitted.body.executionId, workflow: 'chain', status: 'succeeded', params: { tag, n } });
      expect(execution.body.steps.map((s: { operationId: string; status: string }) => `${s.operationId}:${s.status}`).sort()).toEqual(['s1:succeeded', 's2:succeeded']);
      const logs = await call(service, 'GET', `/executions/${submitted.body.executionId}/logs`);
      expect(logs.body.logs.map((l: { operationId: string; message: string }) => `${l.operationId} ${l.message}`)).toEqual([`s1 working on ${tag}/s1`, `s2 working on ${tag}/s2`]);
      const one = await call(service, 'GET', `/executions/${submitted.body.executionId}/logs?operation=s2`);
      expect(one.body.logs).toHaveLength(1);
    }
    const listed = await call(service, 'GET', '/executions?workflow=chain&status=succeeded&limit=1');
    expect(listed.body.executions).toHaveLength(1);
    const next = await call(service, 'GET', `/executions?workflow=chain&status=succeeded&limit=1&cursor=${encodeURIComponent(listed.body.next)}`);
    expect(next.body.executions).toHaveLength(1);
    expect(new Set([listed.body.executions[0].executionId, next.body.executions[0].executionId])).toEqual(new Set([a.body.executionId, b.body.executionId]));
  });

  it('answers 429 with Retry-After and creates nothing when the queue is full', async () => {
    const service = await serve({ 'chain.yaml': chainYaml('chain', 1) }, { maxConcurrentRuns: 1, maxQueuedRuns: 1, retryAfterMs: 2500 });
    const first = await call(service, 'POST', '/workflows/chain/executions', { params: { tag: 'a' } });
    const second = await call(service, 'POST', '/workflows/chain/executions', { params: { tag: 'b' } });
    const third = await call(service, 'POST', '/workflows/chain/executions', { params: { tag: 'c' } });
    expect([first.status, second.status, third.status]).toEqual([202, 202, 429]);
    expect(third.headers.get('retry-after')).toBe('3');
    expect(third.body).toMatchObject({ error: 'queue_full', retryAfterMs: 2500 });
    expect(third.body.message).toMatch(/Nothing was created/);
    const all = await call(service, 'GET', '/executions');
    expect(all.body.executions.map((e: { executionId: string }) => e.executionId).sort()).toEqual([first.body.executionId, second.body.executionId].sort());
    const health = await call(service, 'GET', '/healthz');
    expect(health.body).toEqual({ status: 'ok', running: 1, queued: 1 });
    const metrics = await call(service, 'GET', '/metrics');
    expect(metrics.body).toMatch(/^portflow_executions_accepted_total 2$/m);
    expect(metrics.body).toMatch(/^portflow_executions_rejected_total\{reason="queue_full"\} 1$/m);
    expect(metrics.body).toMatch(/^portflow_executions_queued 1$/m);
    expect(metrics.body).toMatch(/^portflow_executions_running 1$/m);
    holds.autoOpen = true;
    holds.open('a/s1');
    await service.manager.waitForAll();
    expect((await call(service, 'GET', '/metrics')).body).toMatch(/^portflow_executions_finished_total\{status="succeeded"\} 2$/m);
  });

  it('gives a repeated idempotency key (body or header) the first execution instead of a new one', async () => {
    const service = await serve({ 'chain.yaml': chainYaml('chain', 1) });
    holds.autoOpen = true;
    const first = await call(service, 'POST', '/workflows/chain/executions', { params: { tag: 'k' }, idempotencyKey: 'order-17' });
    const again = await call(service, 'POST', '/workflows/chain/executions', { params: { tag: 'k' } }, { 'idempotency-key': 'order-17' });
    expect(again.body.executionId).toBe(first.body.executionId);
    const clash = await call(service, 'POST', '/workflows/chain/executions', { idempotencyKey: 'x' }, { 'idempotency-key': 'y' });
    expect(clash).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    await service.manager.waitForAll();
    expect((await call(service, 'GET', '/executions')).body.executions).toHaveLength(1);
  });

  it("refuses a second execution of a workflow whose metadata says allowConcurrentExecution: false and whenBusy: reject", async () => {
    const service = await serve({ 'solo.yaml': chainYaml('solo', 1, 'metadata: { allowConcurrentExecution: false, whenBusy: reject }') });
    const first = await call(service, 'POST', '/workflows/solo/executions', { params: { tag: 'a' } });
    const second = await call(service, 'POST', '/workflows/solo/executions', { params: { tag: 'b' } });
    expect(first.status).toBe(202);
    expect(second).toMatchObject({ status: 409, body: { error: 'workflow_busy' } });
    const described = await call(service, 'GET', '/workflows/solo');
    expect(described.body).toMatchObject({ name: 'solo', allowConcurrentExecution: false, whenBusy: 'reject' });
    holds.open('a/s1');
    await service.manager.waitForAll();
  });

  it('rejects bad requests with a JSON error that says what is wrong', async () => {
    const service = await serve({ 'chain.yaml': chainYaml('chain', 1) });
    const cases: [string, string, unknown, number, string, RegExp][] = [
      ['POST', '/workflows/chain/executions', { params: {}, priority: 1 }, 400, 'invalid_request', /must NOT have additional properties \('priority'\)/],
      ['POST', '/workflows/chain/executions', { params: { tga: 'x' } }, 400, 'invalid_params', /'tga' is not a parameter of 'chain' \(it takes 'tag', 'n'\)/],
      ['POST', '/workflows/chain/executions', { params: { n: 'seven' } }, 400, 'invalid_params', /parameter 'n' must be a number \(like its default 0\), not a string/],
      ['POST', '/workflows/chain/executions', { params: 'tag=a' }, 400, 'invalid_request', /params must be object/],
      ['POST', '/workflows/chain/executions', '{"params": ', 400, 'invalid_request', /JSON/],
      ['POST', '/workflows/chain/executions', { params: { tag: 'x'.repeat(1_100_000) } }, 413, 'too_large', /over 1048576 bytes/],
      ['POST', '/workflows/nope/executions', {}, 404, 'unknown_workflow', /No workflow 'nope'.*'chain'/],
      ['POST', '/workflows/..%2F..%2Fetc/executions', {}, 400, 'invalid_request', /params\/name must match pattern/],
      ['GET', '/executions/does-not-exist', undefined, 404, 'not_found', /No execution 'does-not-exist'/],
      ['GET', "/executions/'%3Bdrop", undefined, 400, 'invalid_request', /must match pattern/],
      ['GET', '/executions?status=done', undefined, 400, 'invalid_request', /querystring\/status must match pattern/],
      ['GET', '/executions?limit=0', undefined, 400, 'invalid_request', /limit must be >= 1/],
      ['GET', '/executions?cursor=garbage', undefined, 400, 'invalid_request', /cursor is not a cursor/],
      ['GET', '/executions?sort=asc', undefined, 400, 'invalid_request', /additional properties \('sort'\)/],
      ['GET', '/executions/abc/events', undefined, 404, 'not_found', /No execution 'abc'/],
      ['POST', '/webhooks/chain', {}, 404, 'no_webhook', /triggers: \[\{ webhook: true \}\]/],
      ['GET', '/nowhere', undefined, 404, 'not_found', /No route GET \/nowhere/],
    ];
    for (const [method, path, body, status, error, message] of cases) {
      const answer = await call(service, method, path, body);
      expect({ path, status: answer.status, error: answer.body.error }).toEqual({ path, status, error });
      expect(answer.body.message).toMatch(message);
    }
    const badEventId = await call(service, 'GET', '/executions/abc/events', undefined, { 'last-event-id': 'x;y' });
    expect(badEventId).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect((await call(service, 'GET', '/executions')).body.executions).toEqual([]);
  });

  it('refuses parameters that would make a step use a file outside the served folder, creating nothing', async () => {
    const listing = 'name: listing\nvariables: { dir: . }\npipeline:\n  - { name: ls, operation: command, params: { command: ls, cwd: "${{ vars.dir }}" } }\n';
    const service = await serve({ 'listing.yaml': listing });
    for (const dir of ['/', '..', '../../etc']) {
      const refused = await call(service, 'POST', '/workflows/listing/executions', { params: { dir } });
      expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_params' } });
      expect(refused.body.message).toContain(`Path '${dir}' is outside the folders this workflow may use`);
    }
    expect((await call(service, 'GET', '/executions')).body.executions).toEqual([]);
    expect((await call(service, 'POST', '/workflows/listing/executions', { params: { dir: '.' } })).status).toBe(202);
    await service.manager.waitForAll();
  });

  it('cancels a running execution: its step sees the abort and it ends cancelled', async () => {
    const service = await serve({ 'chain.yaml': chainYaml('chain', 2) });
    const { body } = await call(service, 'POST', '/workflows/chain/executions', { params: { tag: 'c' } });
    await holds.until(() => holds.started.includes('c/s1'));
    const ended = finished(service, body.executionId);
    expect((await call(service, 'POST', `/executions/${body.executionId}/cancel`, { reason: 'operator said so' })).body).toEqual({ cancelled: true });
    await ended;
    const execution = await call(service, 'GET', `/executions/${body.executionId}`);
    expect(execution.body).toMatchObject({ status: 'cancelled' });
    expect(holds.finished).toEqual([]);
    expect((await call(service, 'POST', `/executions/${body.executionId}/cancel`)).body).toEqual({ cancelled: false });
  });

  it('streams every engine event of an execution in order, replays it to a late follower and resumes after Last-Event-ID', async () => {
    const service = await serve({ 'chain.yaml': chainYaml('chain', 3) });
    const { body } = await call(service, 'POST', '/workflows/chain/executions', { params: { tag: 's' } });
    const id = body.executionId as string;
    await holds.until(() => holds.started.includes('s/s1'));
    const live = readSse(`${service.url}/executions/${id}/events`);
    holds.open('s/s1');
    await holds.until(() => holds.started.includes('s/s2'));
    // A follower that drops the connection after the first step completed...
    const early = await readSse(`${service.url}/executions/${id}/events`, { stopWhen: (m) => m.event === 'engine' && m.data.type === 'OperationCompleted' });
    const lastId = early.filter((m) => m.id !== undefined).at(-1)!.id!;
    holds.open('s/s2', 's/s3');
    const all = await live;
    const engine = all.filter((m) => m.event === 'engine');
    expect(all[0]!.event).toBe('execution');
    expect(all.at(-1)!.event).toBe('end');
    expect(all.at(-1)!.data.status).toBe('succeeded');
    expect(engine.map((m) => m.data.type)).toEqual([
      'RunStarted',
      'OperationStarted', 'OperationCompleted',
      'OperationStarted', 'OperationCompleted',
      'OperationStarted', 'OperationCompleted',
      'RunCompleted',
    ]);
    const seqs = engine.map((m) => m.data.seq as number);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(engine.every((m) => m.id === `${m.data.runId}:${m.data.seq}`)).toBe(true);
    expect(all.filter((m) => m.event === 'log').map((m) => m.data.message)).toEqual(expect.arrayContaining(['working on s/s2', 'working on s/s3']));
    // ...resumes with exactly the events after the last one it had, from the store now that the run ended.
    const resumed = await readSse(`${service.url}/executions/${id}/events`, { headers: { 'last-event-id': lastId } });
    const rest = resumed.filter((m) => m.event === 'engine').map((m) => m.id);
    expect(rest).toEqual(engine.map((m) => m.id).slice(engine.findIndex((m) => m.id === lastId) + 1));
    expect(resumed.at(-1)!.event).toBe('end');
    const replayed = await readSse(`${service.url}/executions/${id}/events?lastEventId=${encodeURIComponent(lastId)}`);
    expect(replayed.filter((m: SseMessage) => m.event === 'engine').map((m) => m.id)).toEqual(rest);
  });

  it('guards every API route with the bearer token and refuses to listen beyond loopback without one', async () => {
    const service = await serve({ 'chain.yaml': chainYaml('chain', 1) }, { token: TOKEN });
    for (const [method, path] of [['GET', '/executions'], ['GET', '/healthz'], ['GET', '/metrics'], ['GET', '/workflows'], ['POST', '/workflows/chain/executions'], ['GET', '/executions/x/events']]) {
      const denied = await call(service, method!, path!, method === 'POST' ? {} : undefined);
      expect({ path, status: denied.status, error: denied.body.error }).toEqual({ path, status: 401, error: 'unauthorized' });
      expect(denied.headers.get('www-authenticate')).toBe('Bearer');
      expect((await call(service, method!, path!, undefined, { authorization: 'Bearer wrong-token-of-some-length' })).status).toBe(401);
    }
    expect((await call(service, 'GET', '/workflows', undefined, { authorization: `Bearer ${TOKEN}` })).body.workflows).toEqual([
      { name: 'chain', allowConcurrentExecution: true, whenBusy: 'queue', triggers: [], steps: 1 },
    ]);
    expect((await call(service, 'GET', '/')).status).toBe(200); // the page shell holds no data; it asks for the token
    await expect(startService({ workflows: '.', host: '0.0.0.0', port: 0 })).rejects.toThrow(ServiceConfigError);
    await expect(startService({ workflows: '.', host: '0.0.0.0', port: 0 })).rejects.toThrow(/Refusing to listen on '0.0.0.0' without a token/);
    await expect(startService({ workflows: '.', token: 'short', port: 0 })).rejects.toThrow(/shorter than 16 characters/);
  });

  it('starts a workflow from its webhook with the body as parameters', async () => {
    const service = await serve({ 'hook.yaml': chainYaml('hook', 1, 'triggers:\n  - webhook: true') });
    holds.autoOpen = true;
    const started = await call(service, 'POST', '/webhooks/hook', { tag: 'w', n: 5 }, { 'idempotency-key': 'delivery-1' });
    expect(started.status).toBe(202);
    const again = await call(service, 'POST', '/webhooks/hook', { tag: 'w', n: 5 }, { 'idempotency-key': 'delivery-1' });
    expect(again.body.executionId).toBe(started.body.executionId);
    expect((await call(service, 'POST', '/webhooks/hook', { tag: 'w', extra: 1 })).body.error).toBe('invalid_params');
    await service.manager.waitForAll();
    expect((await call(service, 'GET', `/executions/${started.body.executionId}`)).body).toMatchObject({ status: 'succeeded', params: { tag: 'w', n: 5 } });
    expect((await call(service, 'GET', '/workflows/hook')).body).toMatchObject({
      triggers: [{ kind: 'webhook' }],
      params: { type: 'object', properties: { tag: { type: 'string', default: 't' }, n: { type: 'number', default: 0 } }, additionalProperties: false },
      steps: [{ id: 's1', component: 'held', dependsOn: [] }],
    });
  });

  it('submits a scheduled workflow at its cron times with the trigger params', async () => {
    holds.autoOpen = true;
    let tick!: (value: { executionId?: string; error?: string }) => void;
    const ticked = new Promise<{ executionId?: string; error?: string }>((resolve) => (tick = resolve));
    const service = await serve({ 'tick.yaml': chainYaml('tick', 1, 'triggers:\n  - cron: "* * * * * *"\n    params: { tag: cron, n: 3 }') }, { onScheduleTick: (t) => tick(t) });
    const { executionId, error } = await ticked; // the every-second schedule fires within a second
    expect(error).toBeUndefined();
    const execution = await service.manager.get(executionId!);
    expect(execution).toMatchObject({ workflow: 'tick', params: { tag: 'cron', n: 3 } });
    expect(execution?.idempotencyKey).toMatch(/^cron:0:\d{4}-\d\d-\d\dT/);
  });

  it('refuses to start on a workflow that does not load or a schedule that does not parse, naming the file', async () => {
    const bad = workflowFolder({ 'a.yaml': chainYaml('a', 1), 'b.yaml': 'pipeline:\n  - name: x\n    operation: nope\n', 'c.yaml': chainYaml('c', 1, 'triggers:\n  - cron: "61 * * * *"') });
    cleanups.push(() => bad.remove());
    await expect(startService({ workflows: bad.dir, registry: heldRegistry(), port: 0 })).rejects.toThrow(/b\.yaml.*Unknown component 'nope'/s);
    const cron = workflowFolder({ 'c.yaml': chainYaml('c', 1, 'triggers:\n  - cron: "61 * * * *"') });
    cleanups.push(() => cron.remove());
    await expect(startService({ workflows: cron.dir, registry: heldRegistry(), port: 0 })).rejects.toThrow(/c\.yaml: triggers\[0\] cron '61 \* \* \* \*'/);
    const empty = workflowFolder({});
    cleanups.push(() => empty.remove());
    await expect(startService({ workflows: empty.dir, port: 0 })).rejects.toThrow(/holds no workflow/);
  });
});
