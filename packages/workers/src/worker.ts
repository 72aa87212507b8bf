/**
 * The worker-thread entry piscina loads. As it loads, it opens the thread's
 * link to the main thread (see `ThreadLink`). Each task is one attempt,
 * skipped if it was aborted before it started: it resolves the operation
 * from its ref with core's `ModuleResolver` (which imports its module and
 * runs its constructor), runs it with a context whose progress and logger
 * talk to the main thread over the link and whose signal the main thread can
 * abort, and returns the outcome as the task's result.
 * @internal
 */
import { parentPort, threadId } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { ModuleResolver } from '@portflow/core';
import type { TaskResult, WorkerTask } from './protocol';
import { serializeError } from './serialized-error';
import { ThreadLink } from './thread-link';
import { isPostable, restoreBuffers, tagBuffers, transferables } from './values';
import { WorkerContext } from './worker-context';

const link = new ThreadLink(parentPort);

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

/** Runs one attempt; resolves to its {@link TaskResult} (wrapped for piscina to move buffers when the operation opts in). */
export default async function runTask(task: WorkerTask): Promise<unknown> {
  const context = new WorkerContext(task, link);
  link.begin(context);
  try {
    // Aborted while on its way here: the main thread has (or will have) ended the attempt; do not run it.
    if (task.cancelled === true || context.aborted) return { ok: false, error: serializeError(new Error('aborted before it started')), aborted: true, thread: threadId };
    const operation = await resolverFor(task.root).resolve(task.ref);
    restoreBuffers(task.inputs, task.inputBuffers);
    const outputs = await operation.execute(task.inputs, context);
    if (!isPostable(outputs)) return failure(context, unpostableOutputs(outputs));
    const result: Mutable<TaskResult & { ok: true }> = { ok: true, outputs, thread: threadId };
    const tags = tagBuffers(outputs);
    if (tags !== undefined) result.buffers = tags;
    if (context.sent > 0) result.sent = context.sent;
    const buffers = task.transferOutputs === true ? transferables(outputs) : [];
    return buffers.length === 0 ? result : move({ [transferableSymbol]: buffers, [valueSymbol]: result } as never);
  } catch (error) {
    return failure(context, error);
  } finally {
    link.end(context);
  }
}

function failure(context: WorkerContext, error: unknown): TaskResult {
  return { ok: false, error: serializeError(error), ...(context.endedByAbort(error) ? { aborted: true } : {}), thread: threadId, ...(context.sent > 0 ? { sent: context.sent } : {}) };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function unpostableOutputs(outputs: unknown): TypeError {
  const record = outputs !== null && typeof outputs === 'object' ? (outputs as Record<string, unknown>) : {};
  const bad = Object.keys(record).filter((key) => !isPostable(record[key]));
  const which = bad.length > 0 ? `output ${bad.map((k) => `'${k}'`).join(', ')} holds` : 'they hold';
  return new TypeError(
    `The operation's outputs cannot be sent back to the main thread (${which} a function, a symbol or an object that cannot be cloned). ` +
      `Outputs of worker operations must be structured-cloneable: plain data, arrays, Map/Set, Date, typed arrays and ArrayBuffers, no functions or handles.`,
  );
}
