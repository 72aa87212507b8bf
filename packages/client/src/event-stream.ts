import { Observable, type Subscriber } from 'rxjs';
import { RetriesExhaustedError, retryability } from './errors';
import { readSse, type SseMessage } from './sse-parser';
import { serviceErrorOf, type Transport } from './transport';
import type { EngineEventData, Execution, ExecutionStateChange, LogLine, ServiceEvent } from './types';

/**
 * The events of one execution as a cold Observable: each subscription opens
 * `GET /executions/:id/events` with fetch, emits each message, and completes
 * after `end`. A dropped connection is opened again (after a backoff wait)
 * with `Last-Event-ID` set to the id of the last engine event received, so
 * each engine event is emitted once and in order; an engine event at or
 * before the last one emitted of its run is dropped should the server send
 * it again. Unsubscribing aborts the request and any wait. @internal
 */
export function eventStream(transport: Transport, executionId: string): Observable<ServiceEvent> {
  return new Observable<ServiceEvent>((subscriber) => {
    const controller = new AbortController();
    follow(transport, executionId, controller.signal, subscriber).then(
      () => subscriber.complete(),
      (error: unknown) => {
        if (!controller.signal.aborted) subscriber.error(error);
      },
    );
    return () => controller.abort(new Error('unsubscribed'));
  });
}

async function follow(transport: Transport, executionId: string, signal: AbortSignal, subscriber: Subscriber<ServiceEvent>): Promise<void> {
  const operation = `events of execution ${executionId}`;
  const path = `/executions/${encodeURIComponent(executionId)}/events`;
  const runs = new RunOrder();
  /** The SSE id of the last engine event emitted: sent as `Last-Event-ID` on reconnection. */
  let lastId: string | undefined;
  let failures = 0;
  let reconnectMs = 0;
  for (;;) {
    let error: unknown;
    try {
      const headers = transport.headers({ accept: 'text/event-stream', ...(lastId === undefined ? {} : { 'last-event-id': lastId }) });
      const response = await transport.fetch(transport.url(path), { method: 'GET', headers, signal });
      if (!response.ok) error = await serviceErrorOf(response);
      else if (response.body === null) error = connectionLost(new Error('the event stream answered without a body'));
      else {
        try {
          for await (const message of readSse(response.body)) {
            if (message.retry !== undefined) reconnectMs = message.retry;
            const event = toServiceEvent(message, runs);
            if (event === undefined) continue;
            if (event.type === 'engine') {
              if (!runs.isNew(event.event)) continue;
              lastId = event.id;
            }
            if (event.type !== 'execution') failures = 0;
            subscriber.next(event);
            if (event.type === 'end' || signal.aborted) return;
          }
          error = connectionLost(new Error('the event stream closed before its end message'));
        } catch (thrown) {
          if (thrown instanceof EventFormatError) throw thrown;
          error = connectionLost(thrown);
        }
      }
    } catch (thrown) {
      if (signal.aborted || thrown instanceof EventFormatError) throw thrown;
      error = thrown;
    }
    if (signal.aborted) return;
    failures++;
    if (retryability(error) === 'final') throw error;
    if (failures >= transport.policy.maxAttempts) throw new RetriesExhaustedError(operation, failures, error);
    await transport.wait(operation, failures, error, reconnectMs, signal);
  }
}

/**
 * The engine runs of an execution in order (from the `execution` message's
 * `runIds`, then as new ones appear), and the last `seq` emitted of each:
 * an engine event is emitted only if it comes after that one.
 */
class RunOrder {
  readonly #index = new Map<string, number>();
  readonly #lastSeq = new Map<string, number>();

  /** Learns the runs an execution message lists. */
  learn(runIds: readonly string[] | undefined): void {
    for (const runId of runIds ?? []) this.indexOf(runId);
  }

  /** The run's place among the execution's runs (0 for the first). */
  indexOf(runId: string): number {
    let index = this.#index.get(runId);
    if (index === undefined) this.#index.set(runId, (index = this.#index.size));
    return index;
  }

  /** True (and remembered) when the event comes after every event of its run emitted so far. */
  isNew(event: EngineEventData): boolean {
    if (event.seq <= (this.#lastSeq.get(event.runId) ?? 0)) return false;
    this.#lastSeq.set(event.runId, event.seq);
    return true;
  }
}

/** A connection that dropped while the stream was being read: always worth reconnecting. */
function connectionLost(cause: unknown): Error {
  const message = typeof (cause as { message?: unknown } | null)?.message === 'string' ? (cause as { message: string }).message : String(cause);
  return Object.assign(new Error(`event stream interrupted: ${message}`, { cause }), { code: 'ECONNRESET' });
}

/** The server sent a message the client cannot read. */
class EventFormatError extends Error {
  override readonly name = 'EventFormatError';
}

/** Turns an SSE message into a typed event; undefined for event names this client does not know. */
function toServiceEvent(message: SseMessage, runs: RunOrder): ServiceEvent | undefined {
  const known = ['execution', 'engine', 'state', 'log', 'end'];
  if (!known.includes(message.event)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    throw new EventFormatError(`the '${message.event}' event's data is not JSON: ${message.data.slice(0, 200)}`);
  }
  if (typeof data !== 'object' || data === null) throw new EventFormatError(`the '${message.event}' event's data is not an object: ${message.data.slice(0, 200)}`);
  switch (message.event) {
    case 'execution':
      runs.learn((data as Execution).runIds);
      return { type: 'execution', execution: data as Execution };
    case 'end':
      return { type: 'end', execution: data as Execution };
    case 'state':
      return { type: 'state', state: data as ExecutionStateChange };
    case 'log':
      return { type: 'log', log: data as LogLine };
    default: {
      // A wrapped manager event ({ type: 'ExecutionEngineEvent', event }) is unwrapped.
      const wrapped = data as { type?: unknown; event?: unknown };
      const event = (wrapped.type === 'ExecutionEngineEvent' && typeof wrapped.event === 'object' && wrapped.event !== null ? wrapped.event : data) as EngineEventData;
      if (typeof event.runId !== 'string' || typeof event.seq !== 'number') throw new EventFormatError(`an engine event without runId and seq: ${message.data.slice(0, 200)}`);
      const runIndex = runs.indexOf(event.runId);
      return { type: 'engine', id: message.id ?? `${runIndex}.${event.seq}`, runIndex, event };
    }
  }
}
