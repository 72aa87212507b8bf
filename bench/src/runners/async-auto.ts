import * as asyncLib from 'async';
import { sleep20, type Workload } from '../workloads';
import { versionOf, type Runner } from './runner';

type AutoTasks = Record<string, unknown>;

/**
 * `async.auto`: a task object keyed by node id, each task an async function
 * listed after the ids it depends on. async.auto does its own dependency
 * checks when called, so those are part of `run`.
 */
export function asyncAutoRunner(): Runner<AutoTasks> {
  return {
    id: 'async-auto',
    label: `async.auto (async ${versionOf('async')})`,
    build(w: Workload) {
      const body = w.task === 'sleep20' ? async () => { await sleep20(); return 0; } : async () => 0;
      const tasks: AutoTasks = {};
      for (let i = 0; i < w.n; i++) {
        const parents = w.parents[i]!;
        tasks[`n${i}`] = parents.length === 0 ? body : [...parents.map((p) => `n${p}`), body];
      }
      return tasks;
    },
    run: (tasks) => (asyncLib.auto as unknown as (t: AutoTasks) => Promise<unknown>)(tasks),
  };
}
