import type { GraphDefinition } from './graph-definition';
import type { Operation } from '../model/operation';

/** Mermaid flowchart text for a graph. @internal */
export function renderMermaid(graph: GraphDefinition): string {
  const ids = nodeIds(graph);
  const lines = ['flowchart LR'];
  for (const op of graph.operations) {
    lines.push(`  ${ids.get(op)}["${mermaidText(op.id)}<br/><small>${mermaidText(op.type)}</small>"]`);
  }
  for (const c of graph.channels) {
    lines.push(`  ${ids.get(c.source)} -- "${mermaidText(`${c.sourcePort} → ${c.targetPort}`)}" --> ${ids.get(c.target)}`);
  }
  for (const d of graph.dependencies) {
    lines.push(`  ${ids.get(d.prerequisite)} -.-> ${ids.get(d.dependent)}`);
  }
  return lines.join('\n') + '\n';
}

/** Graphviz DOT text for a graph. @internal */
export function renderDot(graph: GraphDefinition): string {
  const lines = [`digraph ${dotString(graph.name)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded];'];
  for (const op of graph.operations) {
    lines.push(`  ${dotString(op.id)} [label=${dotString(`${op.id}\n${op.type}`)}];`);
  }
  for (const c of graph.channels) {
    lines.push(`  ${dotString(c.source.id)} -> ${dotString(c.target.id)} [label=${dotString(`${c.sourcePort} → ${c.targetPort}`)}];`);
  }
  for (const d of graph.dependencies) {
    lines.push(`  ${dotString(d.prerequisite.id)} -> ${dotString(d.dependent.id)} [style=dashed];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

function nodeIds(graph: GraphDefinition): Map<Operation, string> {
  const ids = new Map<Operation, string>();
  graph.operations.forEach((op, i) => ids.set(op, `n${i}`));
  return ids;
}

function mermaidText(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
