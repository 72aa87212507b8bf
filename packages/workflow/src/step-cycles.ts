import type { NodePath, StepSpec } from './spec/workflow-spec';

/** A dependency between two steps, with where it was declared. @internal */
export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly path: NodePath;
}

/** Every cycle among the steps, each with the edge that closes it. @internal */
export function findCycles(steps: readonly StepSpec[], edges: readonly Edge[]): { names: string[]; closing: Edge }[] {
  const out = new Map<string, Edge[]>();
  for (const edge of edges) {
    const list = out.get(edge.from) ?? [];
    list.push(edge);
    out.set(edge.from, list);
  }
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const cycles: { names: string[]; closing: Edge }[] = [];
  const visit = (name: string): void => {
    state.set(name, 'active');
    stack.push(name);
    for (const edge of out.get(name) ?? []) {
      const next = state.get(edge.to);
      if (next === 'active') cycles.push({ names: [...stack.slice(stack.indexOf(edge.to)), edge.to], closing: edge });
      else if (next === undefined) visit(edge.to);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const step of steps) if (!state.has(step.name)) visit(step.name);
  return cycles;
}
