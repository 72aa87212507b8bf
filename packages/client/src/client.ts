import { randomUUID } from 'node:crypto';
import type { Observable } from 'rxjs';
import { eventStream } from './event-stream';
import { Transport, type PortflowClientOptions } from './transport';
import type { Execution, ExecutionPage, Health, ListOptions, LogLine, ServiceEvent, SubmitOptions, SubmitResult, WorkflowDetail, WorkflowSummary } from './types';

/**
 * A client of the Portflow run service (`portflow serve`, docs/service.md).
 *
 * Every call retries what cannot have done anything: HTTP 429 (queue full:
 * nothing was created), 503 and refused connections, with exponential
 * backoff and full jitter, never waiting less than the server's
 * `Retry-After`. `submit` always sends an idempotency key (the caller's, or
 * one it generates per call), so it also retries a connection that was reset
 * or timed out after the server may have accepted it: the server answers a
 * repeated key with the first execution's id. Reads retry the same way;
 * `cancel` does not retry a reset.
 *
 * Errors the service answers with (400, 401, 404, 409) are thrown at once
 * as a {@link ServiceError}; when retries run out, a
 * {@link RetriesExhaustedError} says how many attempts were made and why the
 * last one failed.
 *
 * @example
 * ```ts
 * const client = new PortflowClient({ url: 'http://127.0.0.1:8080', token: process.env.PORTFLOW_TOKEN });
 * const { executionId } = await client.submit('sales_pipeline', { min_amount: 250 });
 * client.events(executionId).subscribe((message) => {
 *   if (message.type === 'engine') console.log(message.event.type, message.event.operationId ?? '');
 *   if (message.type === 'end') console.log('ended', message.execution.status);
 * });
 * ```
 */
export class PortflowClient {
  readonly #transport: Transport;

  /** @param options - the service's URL and token, and how to retry. */
  constructor(options: PortflowClientOptions) {
    this.#transport = new Transport(options);
  }

  /**
   * Submits an execution of `workflow` with `params` (the workflow's
   * variables) and resolves once the service has accepted it (it is then
   * in the service's store). Retries 429, 503, refused connections and, as
   * the idempotency key makes it safe, reset or timed-out connections.
   *
   * @param workflow - the workflow's name.
   * @param params - its parameters (default: none, the declared defaults apply).
   * @param options - an idempotency key of the caller's, a signal to give up.
   * @returns the execution id, the key sent and the attempts it took.
   * @throws {@link ServiceError} 404 `unknown_workflow`, 400 `invalid_params`, 409 `workflow_busy`, 401 `unauthorized`...
   * @throws {@link RetriesExhaustedError} when every attempt was refused or failed to connect.
   */
  async submit(workflow: string, params: Readonly<Record<string, unknown>> = {}, options: SubmitOptions = {}): Promise<SubmitResult> {
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    const { value, attempts } = await this.#transport.call<{ executionId: string }>({
      method: 'POST',
      path: `/workflows/${encodeURIComponent(workflow)}/executions`,
      body: { params, idempotencyKey },
      operation: `submit to workflow '${workflow}'`,
      idempotent: true,
      signal: options.signal,
    });
    return { executionId: value.executionId, idempotencyKey, attempts };
  }

  /**
   * One execution: its status, params, timings, run ids and each step's record.
   *
   * @throws {@link ServiceError} 404 `not_found` when there is no such execution.
   */
  async get(executionId: string): Promise<Execution> {
    return this.#get<Execution>(`/executions/${encodeURIComponent(executionId)}`, `get execution ${executionId}`);
  }

  /**
   * A page of executions, newest first; pass its `next` as `cursor` for the next one.
   *
   * @example
   * ```ts
   * let page = await client.list({ workflow: 'nightly', status: ['failed', 'cancelled'], limit: 100 });
   * while (page.next !== undefined) page = await client.list({ workflow: 'nightly', cursor: page.next });
   * ```
   */
  async list(options: ListOptions = {}): Promise<ExecutionPage> {
    const query = new URLSearchParams();
    if (options.workflow !== undefined) query.set('workflow', options.workflow);
    if (options.status !== undefined) query.set('status', typeof options.status === 'string' ? options.status : options.status.join(','));
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    if (options.cursor !== undefined) query.set('cursor', options.cursor);
    const search = query.toString();
    return this.#get<ExecutionPage>(`/executions${search === '' ? '' : `?${search}`}`, 'list executions');
  }

  /**
   * Cancels an execution: a queued one never runs, a running one is stopped.
   *
   * @returns `{ cancelled: false }` when it had already ended.
   * @throws {@link ServiceError} 404 when there is no such execution.
   */
  async cancel(executionId: string, reason?: string): Promise<{ readonly cancelled: boolean }> {
    const { value } = await this.#transport.call<{ cancelled: boolean }>({
      method: 'POST',
      path: `/executions/${encodeURIComponent(executionId)}/cancel`,
      body: reason === undefined ? {} : { reason },
      operation: `cancel execution ${executionId}`,
      idempotent: false,
    });
    return value;
  }

  /** The log lines the execution's steps wrote. */
  async logs(executionId: string): Promise<readonly LogLine[]> {
    return (await this.#get<{ logs: LogLine[] }>(`/executions/${encodeURIComponent(executionId)}/logs`, `logs of execution ${executionId}`)).logs;
  }

  /** The workflows the service runs. */
  async workflows(): Promise<readonly WorkflowSummary[]> {
    return (await this.#get<{ workflows: WorkflowSummary[] }>('/workflows', 'list workflows')).workflows;
  }

  /**
   * One workflow: its parameters' JSON schema, steps and triggers.
   *
   * @throws {@link ServiceError} 404 `unknown_workflow`.
   */
  async workflow(name: string): Promise<WorkflowDetail> {
    return this.#get<WorkflowDetail>(`/workflows/${encodeURIComponent(name)}`, `get workflow '${name}'`);
  }

  /** The service's health: `status` and how many executions run and wait. */
  async health(): Promise<Health> {
    return this.#get<Health>('/healthz', 'health');
  }

  /**
   * The events of an execution, as a cold Observable: each subscription
   * opens the service's event stream (what the execution did so far, then
   * live), emits each message, and completes after `end`. A dropped
   * connection is reopened after a backoff wait with `Last-Event-ID`, so
   * every engine event is emitted exactly once and in order; `log` lines
   * written while disconnected are not replayed. Unsubscribing aborts the
   * request and any wait.
   *
   * @example
   * ```ts
   * const ended = await lastValueFrom(client.events(executionId).pipe(filter((m) => m.type === 'end')));
   * ```
   */
  events(executionId: string): Observable<ServiceEvent> {
    return eventStream(this.#transport, executionId);
  }

  async #get<T>(path: string, operation: string): Promise<T> {
    return (await this.#transport.call<T>({ method: 'GET', path, operation, idempotent: true })).value;
  }
}
