// The workflow's DAG: laid out once with dagre, drawn as one SVG. Status
// changes touch only the changed node's attributes (found through a Map).
import { STATUS_ICONS } from './model.js';

const NODE_HEIGHT = 46;
const MAX_LABEL = 30;

const escapeXml = (text) => String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const short = (text) => (text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text);

/**
 * Lays out `steps` (`[{ id, component, dependsOn }]`) and draws them into
 * `svg`. Returns the per-step node handles, the steps in rank order, and
 * how long layout and drawing took.
 */
export function drawDag(svg, steps) {
  const started = performance.now();
  if (typeof dagre === 'undefined') throw new Error('dagre did not load (assets/dagre.js)');
  const graph = new dagre.graphlib.Graph({ multigraph: false });
  const large = steps.length > 150;
  // network-simplex ranks best but is slow on large graphs (500 steps: 2-3 s); tight-tree is several times faster.
  graph.setGraph({ rankdir: 'LR', nodesep: large ? 10 : 18, ranksep: large ? 40 : 56, marginx: 12, marginy: 12, ranker: large ? 'tight-tree' : 'network-simplex' });
  graph.setDefaultEdgeLabel(() => ({}));
  const known = new Set(steps.map((step) => step.id));
  for (const step of steps) {
    const label = short(step.id);
    graph.setNode(step.id, { width: Math.max(130, Math.min(250, label.length * 7.6 + 44)), height: NODE_HEIGHT, label });
  }
  for (const step of steps) {
    for (const from of step.dependsOn ?? []) if (known.has(from)) graph.setEdge(from, step.id);
  }
  dagre.layout(graph);
  const laidOut = performance.now();

  const { width = 0, height = 0 } = graph.graph();
  const parts = [
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" class="arrowhead"/></marker></defs>',
    '<g class="edges">',
  ];
  for (const edge of graph.edges()) {
    const points = graph.edge(edge).points ?? [];
    if (points.length === 0) continue;
    let d = `M${points[0].x.toFixed(1)} ${points[0].y.toFixed(1)}`;
    if (points.length === 3) d += `Q${points[1].x.toFixed(1)} ${points[1].y.toFixed(1)} ${points[2].x.toFixed(1)} ${points[2].y.toFixed(1)}`;
    else for (let i = 1; i < points.length; i++) d += `L${points[i].x.toFixed(1)} ${points[i].y.toFixed(1)}`;
    parts.push(`<path class="edge" d="${d}" marker-end="url(#arrow)" data-from="${escapeXml(edge.v)}" data-to="${escapeXml(edge.w)}"/>`);
  }
  parts.push('</g><g class="nodes">');
  const byId = new Map(steps.map((step) => [step.id, step]));
  for (const id of graph.nodes()) {
    const node = graph.node(id);
    const step = byId.get(id);
    const w = node.width;
    const x = node.x - w / 2;
    const y = node.y - NODE_HEIGHT / 2;
    const title = step?.component ? `${id} (${step.component})` : id;
    parts.push(
      `<g class="node" data-step="${escapeXml(id)}" data-status="waiting" tabindex="0" role="button" aria-label="${escapeXml(id)}: waiting" transform="translate(${x.toFixed(1)} ${y.toFixed(1)})">`,
      `<title>${escapeXml(title)}</title>`,
      `<rect class="box" width="${w.toFixed(1)}" height="${NODE_HEIGHT}" rx="7"/>`,
      `<rect class="accent" width="5" height="${NODE_HEIGHT}" rx="2"/>`,
      `<text class="label" x="14" y="19">${escapeXml(node.label)}</text>`,
      `<text class="state" x="14" y="36">${STATUS_ICONS.waiting} waiting</text>`,
      `<rect class="progress" x="5" y="${NODE_HEIGHT - 4}" height="3" width="0"/>`,
      '</g>',
    );
  }
  parts.push('</g>');
  svg.setAttribute('viewBox', `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`);
  svg.innerHTML = parts.join('');

  const nodes = new Map();
  for (const g of svg.querySelectorAll('g.node')) {
    const id = g.getAttribute('data-step');
    nodes.set(id, { g, state: g.querySelector('text.state'), progress: g.querySelector('rect.progress'), width: graph.node(id).width - 10, status: 'waiting', text: '' });
  }
  const rankOrder = graph.nodes().map((id) => ({ id, x: graph.node(id).x, y: graph.node(id).y }));
  rankOrder.sort((a, b) => a.x - b.x || a.y - b.y);
  const drawn = performance.now();
  return { nodes, width, height, order: rankOrder.map((n) => n.id), layoutMs: laidOut - started, drawMs: drawn - laidOut };
}

/** Writes one step's status onto its node; cheap when nothing changed. */
export function paintNode(handle, step) {
  let text = `${STATUS_ICONS[step.status] ?? ''} ${step.status}`;
  if ((step.status === 'running' || step.status === 'retrying') && step.attempt > 1) text += ` · attempt ${step.attempt}`;
  if (step.status === 'running' && typeof step.progress === 'number') text += ` · ${Math.round(step.progress * 100)}%`;
  if (handle.status !== step.status) {
    handle.status = step.status;
    handle.g.setAttribute('data-status', step.status);
  }
  if (handle.text !== text) {
    handle.text = text;
    handle.state.textContent = text;
    handle.g.setAttribute('aria-label', `${handle.g.getAttribute('data-step')}: ${text.slice(2)}`);
  }
  const fraction = step.status === 'running' && typeof step.progress === 'number' ? Math.max(0, Math.min(1, step.progress)) : 0;
  handle.progress.setAttribute('width', (fraction * handle.width).toFixed(1));
}
