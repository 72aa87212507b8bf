import { defineOperation, GraphDefinition, InvalidOptionsError } from '@portflow/core';
import type { Gates } from '@portflow/core/testing';
import type { RunnableWorkflow } from '../runnable-workflow';

/**
 * A workflow of one held step: it enters its gate under its `key` parameter
 * (required, a string) and waits for the test to open it, or ends with an
 * abort when its execution is cancelled; param `x` is a number; its output
 * is `<name>:<key>:<x * 2>`.
 */
export function heldWorkflow(name: string, holds: Gates, options: Pick<RunnableWorkflow, 'allowConcurrentExecution' | 'whenBusy'> = {}): RunnableWorkflow {
  const Work = defineOperation(`${name}.work`, { outputs: { out: String } }, async (_inputs, context) => {
    const key = String(context.variables.key);
    holds.enter(key);
    await new Promise<void>((resolve, reject) => {
      void holds.gate(key).promise.then(resolve);
      const abort = (): void => reject(new Error(`step of ${key} aborted`));
      if (context.signal.aborted) abort();
      else context.signal.addEventListener('abort', abort, { once: true });
    });
    holds.leave(key);
    return { out: `${name}:${key}:${Number(context.variables.x ?? 0) * 2}` };
  });
  return {
    ...options,
    prepare(params) {
      const problems = Object.keys(params)
        .filter((k) => k !== 'key' && k !== 'x')
        .map((k) => `unknown parameter '${k}'`);
      if (typeof params.key !== 'string') problems.push('key must be a string');
      if (problems.length > 0) throw new InvalidOptionsError(`parameters of '${name}'`, problems);
      const graph = new GraphDefinition<Record<never, never>, { out: string }>({ name, requireIds: true });
      graph.output('out', new Work({ id: 'work' }), 'out');
      return { graph, variables: { ...params } };
    },
  };
}
