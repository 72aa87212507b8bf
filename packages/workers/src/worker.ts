/**
 * The worker-thread entry piscina loads: resolves the operation from its ref
 * with core's `ModuleResolver` (which imports its module and runs its
 * constructor), gives it a context whose signal, logger and progress talk to
 * the main thread over the task's port, runs it, and sends the outcome back
 * on that port.
 * @internal
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { createLogger, ModuleResolver, type ExecutionContext, type Logger, type ProgressDetails } from '@portflow/core';
import { deserializeError, restoreBuffers, serializeError, tagBuffers, transferables, type MainMessage, type StartMessage, type WorkerMessage, type WorkerTask } from './protocol';

/** One resolver per root, so each keeps its cache of loaded classes for the thread's life. */
const resolvers = new Map<string, ModuleResolver>();

function resolverFor(root: string): ModuleResolver {
  let resolver = resolvers.get(root);
  if (resolver === undefined) {
    resolver = new ModuleResolver({ root });
    resolvers.set(root, resolver);
  }
  return resolver;
}

function send(port: MessagePort, message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  try {
    port.postMessage(message, transfer);
    return;
  } catch (error) {
    if (message.type === 'log') {
      // Fields that cannot be cloned are sent as text rather than lost.
      const fields = message.fields ? Object.fromEntries(Object.entries(message.fields).map(([k, v]) => [k, safeText(v)])) : undefined;
      port.postMessage({ ...message, fields });
      return;
    }
    if (message.type === 'result' && message.ok) {
      const reason = new TypeError(
        `The operation's outputs cannot be sent back to the main thread (${error instanceof Error ? error.message : String(error)}). ` +
          `Outputs of worker operations must be structured-cloneable: plain data, arrays, Map/Set, Date, typed arrays and ArrayBuffers, no functions or handles.`,
      );
      port.postMessage({ type: 'result', ok: false, error: serializeError(reason) } satisfies WorkerMessage);
      return;
    }
    throw error;
  }
}

function safeText(value: unknown): unknown {
  try {
    structuredClone(value);
    return value;
  } catch {
    return typeof value === 'function' ? `[function ${(value as { name?: string }).name || 'anonymous'}]` : String(value);
  }
}

/** Progress data as it can cross to the main thread: fields that cannot be cloned are sent as text. */
function safeData(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, safeText(v)]));
}

/** A logger whose entries (bindings merged into fields) go to the main thread's logger for the attempt. */
function portLogger(port: MessagePort): Logger {
  return createLogger((entry) => send(port, { type: 'log', level: entry.level, message: String(entry.message), fields: { ...entry.fields } }));
}

function workerVariables(values: Record<string, unknown>, missing: readonly string[]): Readonly<Record<string, unknown>> {
  for (const key of missing) {
    Object.defineProperty(values, key, {
      enumerable: true,
      get() {
        throw new TypeError(`Run variable '${key}' cannot be cloned to a worker thread (it holds a function or a handle), so worker operations cannot read it`);
      },
    });
  }
  return Object.freeze(values);
}

async function readStart(port: MessagePort): Promise<StartMessage> {
  const queued = receiveMessageOnPort(port);
  if (queued !== undefined) return queued.message as StartMessage;
  return new Promise((resolve) => port.once('message', resolve));
}

/** Runs one attempt; the outcome goes back on `task.port`, the return value is unused. */
export default async function runTask(task: WorkerTask): Promise<null> {
  const { port } = task;
  const start = await readStart(port);
  const controller = new AbortController();
  const onMessage = (message: MainMessage): void => {
    if (message.type === 'abort') controller.abort(deserializeError(message.reason));
  };
  port.on('message', onMessage);
  try {
    const operation = await resolverFor(task.root).resolve(task.ref);
    restoreBuffers(start.inputs, start.inputBuffers);
    const context: ExecutionContext = {
      runId: task.runId,
      operationId: task.operationId,
      attempt: task.attempt,
      signal: controller.signal,
      logger: portLogger(port),
      variables: workerVariables(start.variables, start.missingVariables),
      reportProgress(fraction: number, details?: string | ProgressDetails): void {
        const message = typeof details === 'string' ? details : details?.message;
        const data = typeof details === 'object' && details !== null ? details.data : undefined;
        send(port, { type: 'progress', fraction, ...(message === undefined ? {} : { message: String(message) }), ...(data === undefined ? {} : { data: safeData(data) }) });
      },
    };
    const outputs = await operation.execute(start.inputs, context);
    send(port, { type: 'result', ok: true, outputs, buffers: tagBuffers(outputs) }, start.transferOutputs ? transferables(outputs) : []);
  } catch (error) {
    const aborted = controller.signal.aborted && error === controller.signal.reason;
    send(port, { type: 'result', ok: false, error: serializeError(error), ...(aborted ? { aborted } : {}) });
  } finally {
    port.off('message', onMessage);
    port.unref();
  }
  return null;
}
