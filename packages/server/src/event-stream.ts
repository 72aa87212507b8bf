import type { ServerResponse } from 'node:http';
import type { EngineEvent } from '@portflow/core';
import type { ExecutionDetails, RunManager } from '@portflow/runs';
import type { RunStore } from '@portflow/store';
import type { BufferedFollower, ExecutionHub, HubMessage, StepLog } from './execution-hub';
import { STEP_LOG } from './step-logs';

/** Where a follower left off: the run and the `seq` of the last engine event it has. */
export interface StreamPosition {
  readonly runId: string;
  readonly seq: number;
}

const ID = /^([A-Za-z0-9_.-]{1,200}):(\d{1,15})$/;
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/** Reads a `Last-Event-ID` (`<runId>:<seq>`); undefined for none, null for a malformed one. */
export function parseEventId(value: string | undefined): StreamPosition | undefined | null {
  if (value === undefined || value === '') return undefined;
  const match = ID.exec(value);
  return match === null ? null : { runId: match[1]!, seq: Number(match[2]) };
}

/** One Server-Sent Events message. */
export function sseMessage(event: string, data: unknown, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** What an event stream needs from the service. @internal */
export interface EventStreamSources {
  readonly manager: RunManager;
  readonly store: RunStore;
  readonly hub: ExecutionHub;
  /** How often to send a comment so proxies keep the connection, ms. */
  readonly keepAliveMs: number;
}

/**
 * Streams one execution's events to `response` (already answered 200 with
 * `text/event-stream`): its state now, the engine events after `from`
 * (finished runs from the store's journal, the current one from the hub),
 * then everything live, each engine event once and in order; ends after
 * the execution has. `follower` must have been made before `execution`
 * was read. Resolves when the stream ends (the execution ended,
 * the client left, or `stop` was called). @internal
 */
export function streamExecution(sources: EventStreamSources, execution: ExecutionDetails, follower: BufferedFollower, from: StreamPosition | undefined, response: ServerResponse, stop: AbortSignal): Promise<void> {
  const { hub, store, manager } = sources;
  const id = execution.executionId;
  const sent = new Map<string, number>(); // runId -> last seq sent
  const runOrder = [...execution.runIds];
  let finished = false;
  let ending = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  const write = (chunk: string): void => {
    if (!finished && !response.destroyed) response.write(chunk);
  };
  const threshold = (runId: string): number => (from !== undefined && from.runId === runId ? from.seq : 0);
  const sentLogs = new Map<string, number>(); // runId -> last log line sent
  const sendEngine = (event: EngineEvent): void => {
    if (!runOrder.includes(event.runId)) runOrder.push(event.runId);
    if (event.seq <= (sent.get(event.runId) ?? 0)) return;
    sent.set(event.runId, event.seq);
    write(sseMessage('engine', event, `${event.runId}:${event.seq}`));
  };
  // A log line goes once, and only when it came after the event the follower had (its `afterSeq`).
  const sendLog = (log: StepLog): void => {
    if (log.seq > 0 && log.seq <= (sentLogs.get(log.runId) ?? 0)) return;
    if (log.afterSeq < threshold(log.runId)) return;
    if (log.seq > 0) sentLogs.set(log.runId, log.seq);
    write(sseMessage('log', log));
  };
  const end = async (): Promise<void> => {
    if (finished || ending) return;
    ending = true;
    const last = await manager.get(id).catch(() => undefined);
    write(sseMessage('end', last ?? execution));
    finish();
  };
  const deliver = (message: HubMessage): void => {
    if (message.kind === 'engine') sendEngine(message.event);
    else if (message.kind === 'log') sendLog(message.log);
    else {
      write(sseMessage('state', message.state));
      if (FINISHED.has(message.state.status)) void end();
    }
  };
  const keepAlive = setInterval(() => write(': keep-alive\n\n'), sources.keepAliveMs);
  keepAlive.unref();
  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearInterval(keepAlive);
    follower.stop();
    stop.removeEventListener('abort', finish);
    response.off('close', finish);
    if (!response.destroyed) response.end();
    resolveDone();
  };
  stop.addEventListener('abort', finish, { once: true });
  response.on('close', finish);

  void (async () => {
    write(sseMessage('execution', execution));
    // Runs before the one `from` names are skipped; an unknown run id replays everything.
    const start = from === undefined ? 0 : Math.max(0, runOrder.indexOf(from.runId));
    if (from !== undefined && runOrder.includes(from.runId)) sent.set(from.runId, from.seq);
    for (const runId of runOrder.slice(start)) {
      const live = hub.liveRun(id);
      if (live?.runId === runId) {
        for (const message of live.messages) deliver(message);
        continue;
      }
      for (const entry of await store.events(runId)) {
        if (finished) return;
        if (entry.type === STEP_LOG) sendLog({ ...(entry.payload as Omit<StepLog, 'runId'>), runId });
        else sendEngine({ ...(entry.payload as object), type: entry.type, runId } as EngineEvent);
      }
    }
    follower.drainInto(deliver);
    if (FINISHED.has(execution.status)) await end();
  })().catch((error: unknown) => {
    write(sseMessage('error', { error: 'internal', message: `could not replay the execution's events: ${error instanceof Error ? error.message : String(error)}` }));
    finish();
  });
  return done;
}
