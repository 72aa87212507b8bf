import type { GraphDefinition, JsonValue } from '@portflow/core';
import type { WorkflowTrigger } from '@portflow/workflow';

/** A step of a {@link WorkflowOutline}: its id (the operation id), component and the steps it waits for. */
export interface OutlineStep {
  /** The step's name, which is its operation id in events and records. */
  readonly id: string;
  /** The component it runs, when it came from a workflow file. */
  readonly component?: string;
  /** The steps it takes data from or is ordered after. */
  readonly dependsOn: readonly string[];
}

/** What a run service shows of a workflow: its steps as a DAG, its parameters and its triggers. */
export interface WorkflowOutline {
  /** The workflow's own name (its `name:`), which may differ from the name it is served under. */
  readonly name: string;
  /** Its description, if any. */
  readonly description?: string;
  /** Its parameters (declared variables) with their defaults. */
  readonly params: Readonly<Record<string, JsonValue>>;
  /** Its steps in the order written, with their dependencies. */
  readonly steps: readonly OutlineStep[];
  /** Webhooks and schedules that start it. */
  readonly triggers: readonly WorkflowTrigger[];
}

/**
 * The steps of `graph` with the steps each depends on (through a channel or
 * an ordering dependency). `steps` restricts and orders them (a workflow's
 * literal inputs are operations but not steps); by default every operation.
 */
export function outlineSteps(graph: GraphDefinition, steps?: readonly { readonly name: string; readonly component?: string }[]): OutlineStep[] {
  const chosen: readonly { readonly name: string; readonly component?: string }[] = steps ?? graph.operations.map((op) => ({ name: op.id }));
  const wanted = new Set(chosen.map((s) => s.name));
  const deps = new Map<string, Set<string>>(chosen.map((s) => [s.name, new Set<string>()]));
  const link = (from: string, to: string): void => {
    if (from !== to && wanted.has(from)) deps.get(to)?.add(from);
  };
  for (const channel of graph.channels) link(channel.source.id, channel.target.id);
  for (const dependency of graph.dependencies) link(dependency.prerequisite.id, dependency.dependent.id);
  return chosen.map((s) => ({ id: s.name, ...(s.component === undefined ? {} : { component: s.component }), dependsOn: [...deps.get(s.name)!] }));
}
