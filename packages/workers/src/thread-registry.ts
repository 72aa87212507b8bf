/**
 * The main thread's side of a pool's thread links: the port and slots each
 * worker thread announced (see `ThreadLink`), kept until the thread's port
 * closes (the thread ended). It is also the pool's load
 * balancer, which gives tasks only to threads that finished starting: a
 * thread announces its link as its entry loads, before piscina hears it is
 * ready, so every attempt runs on a thread whose link is known here (piscina's
 * own balancer would queue tasks on a thread still starting, whose result
 * could then arrive before its link).
 * @internal
 */
import { receiveMessageOnPort } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { ABORTS_POSTED, isThreadHello, RUNNING, type AbortMessage, type ThreadHello, type ThreadMessage } from './protocol';
import { serializeError } from './serialized-error';

export class ThreadRegistry {
  private readonly threads = new Map<number, ThreadHello>();
  /** Threads piscina reported ready (`workerCreate`): their link, if they opened one, is in `threads`. */
  private readonly started = new Set<number>();

  /** What threads send goes to `deliver`. */
  constructor(private readonly deliver: (message: ThreadMessage) => void) {}

  /** Piscina's `loadBalancer`: the first idle thread that finished starting, or none (the task waits in piscina's queue). */
  readonly balance = <W extends { readonly id: number; readonly currentUsage: number }>(_task: unknown, workers: readonly W[]): W | null => {
    for (const worker of workers) if (worker.currentUsage === 0 && this.started.has(worker.id)) return worker;
    return null;
  };

  /** Follows `pool`'s threads as they start and end. */
  listen(pool: Piscina): void {
    pool.on('message', (message: unknown) => {
      if (isThreadHello(message)) this.add(message);
    });
    pool.on('workerCreate', (worker: { readonly id: number }) => this.started.add(worker.id));
    pool.on('workerDestroy', (worker: { readonly id: number }) => this.started.delete(worker.id)); // -1 once the thread exited: see add()
  }

  /**
   * Tells the thread running task `id` that its signal aborted; when no
   * thread runs it, tells every thread, so that the one the task may be on
   * its way to sees the abort as it starts it.
   */
  sendAbort(id: number, reason: unknown): void {
    const message: AbortMessage = { type: 'abort', id, reason: serializeError(reason) };
    const runner = this.runnerOf(id);
    for (const hello of runner === undefined ? this.threads.values() : [this.threads.get(runner)!]) {
      hello.port.postMessage(message);
      Atomics.add(hello.slots, ABORTS_POSTED, 1);
    }
  }

  /** Delivers, now, what thread `thread` sent that the main thread has not read yet. */
  collect(thread: number): void {
    const hello = this.threads.get(thread);
    if (hello === undefined) return;
    for (let m = receiveMessageOnPort(hello.port); m !== undefined; m = receiveMessageOnPort(hello.port)) this.deliver(m.message as ThreadMessage);
  }

  /** The thread id of the thread running task `id`, if one is. */
  runnerOf(id: number): number | undefined {
    for (const hello of this.threads.values()) if (Atomics.load(hello.slots, RUNNING) === id) return hello.threadId;
    return undefined;
  }

  /** Closes every port (the pool is being destroyed). */
  close(): void {
    for (const hello of this.threads.values()) hello.port.close();
    this.threads.clear();
    this.started.clear();
  }

  private add(hello: ThreadHello): void {
    const { port, threadId } = hello;
    port.on('message', this.deliver);
    // Messages the thread sent before it ended are delivered before 'close'.
    // (Reading the port from a 'close' listener crashes Node 20: never do.)
    port.once('close', () => {
      if (this.threads.get(threadId) !== hello) return;
      this.threads.delete(threadId);
      this.started.delete(threadId);
    });
    port.unref(); // the pool's threads never keep the process alive
    this.threads.set(threadId, hello);
  }
}
