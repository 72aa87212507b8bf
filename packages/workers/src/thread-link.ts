/**
 * A worker thread's end of its link to the main thread: one port, opened
 * when the worker entry loads, for the progress and logs of every attempt
 * the thread runs and for the aborts that come back; and shared slots: the
 * id of the attempt the thread runs, so that the main thread can tell which
 * thread to send an abort to, and a count of the aborts it sent, so that an
 * attempt starting just after its abort was sent can still see it.
 * @internal
 */
import { MessageChannel, receiveMessageOnPort, threadId, type MessagePort } from 'node:worker_threads';
import { ABORTS_POSTED, RUNNING, type AbortMessage, type ThreadHello, type ThreadMessage } from './protocol';
import { deserializeError } from './serialized-error';

/** An attempt running on this thread, as its link sees it. */
export interface LinkedAttempt {
  readonly id: number;
  /** Its signal aborted on the main thread. */
  abort(reason: unknown): void;
}

export class ThreadLink {
  private readonly port: MessagePort;
  private readonly slots = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  private abortsSeen = 0;
  private current: LinkedAttempt | undefined;

  /** Opens the link and announces it on `parent` (the thread's `parentPort`; none on the main thread, where nothing listens). */
  constructor(parent: MessagePort | null) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    port1.on('message', (message: AbortMessage) => this.onAbort(message));
    port1.unref(); // piscina decides how long the thread lives
    const hello: ThreadHello = { portflowThread: true, threadId, port: port2, slots: this.slots };
    parent?.postMessage(hello, [port2]);
  }

  /**
   * `attempt` starts on this thread: aborts for it are delivered to it from
   * now on, including one the main thread sent while the task was on its way
   * here and that is still waiting on the port. (One the thread read before
   * the task came is dropped: the main thread then terminates the thread
   * after the grace period, if the attempt is still running.)
   */
  begin(attempt: LinkedAttempt): void {
    this.current = attempt;
    Atomics.store(this.slots, RUNNING, attempt.id);
    const posted = Atomics.load(this.slots, ABORTS_POSTED);
    if (posted === this.abortsSeen) return;
    this.abortsSeen = posted;
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) this.onAbort(m.message as AbortMessage);
  }

  /** `attempt` ended: the thread is idle. */
  end(attempt: LinkedAttempt): void {
    if (this.current !== attempt) return;
    this.current = undefined;
    Atomics.store(this.slots, RUNNING, 0);
  }

  /**
   * Sends progress or a log entry to the main thread. Fields and data that
   * cannot be cloned are sent as text rather than lost.
   */
  send(message: ThreadMessage): void {
    try {
      this.port.postMessage(message);
    } catch {
      if (message.type === 'log') this.port.postMessage({ ...message, fields: message.fields === undefined ? undefined : asText(message.fields) });
      else this.port.postMessage({ ...message, data: message.data === undefined ? undefined : asText(message.data) });
    }
  }

  /** Aborts of attempts that are not running here (any more, or at all) are dropped. */
  private onAbort(message: AbortMessage): void {
    if (message.type === 'abort' && this.current?.id === message.id) this.current.abort(deserializeError(message.reason));
  }
}

/** A record whose values that cannot be cloned are replaced by text. */
function asText(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, textIfUncloneable(v)]));
}

function textIfUncloneable(value: unknown): unknown {
  try {
    structuredClone(value);
    return value;
  } catch {
    return typeof value === 'function' ? `[function ${(value as { name?: string }).name || 'anonymous'}]` : String(value);
  }
}
