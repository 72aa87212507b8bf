import type { Workload } from '../workloads';

/** Every runner the harness knows, in table order. */
export const RUNNER_IDS = ['floor', 'portflow', 'portflow-deps', 'portflow-dynamic', 'portflow-events', 'async-auto', 'p-graph', 'langgraph'] as const;
export type RunnerId = (typeof RUNNER_IDS)[number];

/**
 * One way of executing a workload. `build` is the graph construction (and
 * validation, where the library has it); `run` executes the built graph once
 * and resolves with whatever the library hands back (the caller keeps it,
 * so memory figures include it). The harness calls `run` twice on the same
 * built graph (first run, then the re-run figure), so it must not consume it.
 */
export interface Runner<B = unknown> {
  readonly id: RunnerId;
  /** Name and version as shown in tables. */
  readonly label: string;
  build(workload: Workload): B;
  /**
   * For runners whose library validates separately (Portflow): `build`
   * without the validation, and the validation alone, so that the harness
   * can time `validate()` on its own. `build` = `buildUnvalidated` + `validate`.
   */
  readonly validation?: {
    buildUnvalidated(workload: Workload): B;
    validate(built: B): void;
  };
  run(built: B, workload: Workload): Promise<unknown>;
  /** Releases anything the runner holds (engines, pools). */
  close?(): Promise<void>;
}

/** Loads a runner lazily, so a child process only pays for the library it measures. */
export async function loadRunner(id: RunnerId): Promise<Runner> {
  switch (id) {
    case 'floor':
      return (await import('./floor')).floorRunner();
    case 'portflow':
      return (await import('./portflow')).portflowRunner(false);
    case 'portflow-deps':
      return (await import('./portflow')).portflowDepsRunner();
    case 'portflow-dynamic':
      return (await import('./portflow')).portflowDynamicRunner();
    case 'portflow-events':
      return (await import('./portflow')).portflowRunner(true);
    case 'async-auto':
      return (await import('./async-auto')).asyncAutoRunner();
    case 'p-graph':
      return (await import('./p-graph')).pGraphRunner();
    case 'langgraph':
      return (await import('./langgraph')).langGraphRunner();
  }
}

/** `name@version` of an installed package, for labels. */
export function versionOf(pkg: string): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}
