import type { GraphDefinition } from '../graph/graph-definition';
import { operationIdentity } from './cache-key';
import { sha256Hex } from './content-hash';

const hashes = new WeakMap<GraphDefinition<object, object>, { revision: number; hash: string }>();

/**
 * A hash of what a graph computes: each operation's id and identity (type,
 * version, params) in the order added, each channel, each dependency and
 * each graph output. Stores keep it with a run, so tools can tell whether a
 * run's graph has changed since. @internal
 */
export function definitionHash(graph: GraphDefinition<object, object>): string {
  const cached = hashes.get(graph);
  if (cached?.revision === graph.revision) return cached.hash;
  const lines: string[] = ['pf-graph/1'];
  for (const op of graph.operations) lines.push(`op ${op.id} ${operationIdentity(op)}`);
  for (const c of graph.channels) lines.push(`ch ${c.source.id}.${c.sourcePort} ${c.target.id}.${c.targetPort}`);
  for (const d of graph.dependencies) lines.push(`dep ${d.prerequisite.id} ${d.dependent.id}`);
  for (const o of graph.outputs.values()) lines.push(`out ${o.name} ${o.operation.id}.${o.port}`);
  const hash = sha256Hex(lines.join('\n'));
  hashes.set(graph, { revision: graph.revision, hash });
  return hash;
}
