import { createPort, type CompiledPort } from './port-descriptor';
import type { PortDirection, PortOptions } from './port';

/**
 * Port maps shared by operations that declare the same ports imperatively
 * (`addInputPort` / `addOutputPort` with the same names and options, in the
 * same order): 10,000 instances of a `DynamicOperation` class cost one port
 * map, not 10,000, and the engine's per-port-map caches hit. Shared maps
 * form a tree rooted at each class's decorated ports; a map in it is never
 * changed (adding a port moves to a child). Ports with a `default` value,
 * and nodes that already have {@link MAX_CHILDREN} children, get a private
 * map instead, so ports named after data cannot grow the tree without bound.
 * @internal
 */
interface LayoutNode {
  readonly ports: ReadonlyMap<string, CompiledPort>;
  /** By port key (direction, name, flags, description), then by declared type. */
  readonly children: Map<string, Map<unknown, LayoutNode>>;
  size: number;
}

const MAX_CHILDREN = 64;

const nodes = new WeakMap<ReadonlyMap<string, CompiledPort>, LayoutNode>();

/** `ports` plus a new port (the caller checked that the name is free). @internal */
export function withPort(ports: ReadonlyMap<string, CompiledPort>, owner: string, name: string, direction: PortDirection, options: PortOptions): ReadonlyMap<string, CompiledPort> {
  const shareable = !Object.prototype.hasOwnProperty.call(options, 'default');
  const node = shareable ? nodeOf(ports) : undefined;
  const key = `${direction}\u0000${name}\u0000${options.optional === true ? 1 : 0}${options.collect === true ? 1 : 0}\u0000${options.description ?? ''}`;
  const existing = node?.children.get(key)?.get(options.type);
  if (existing !== undefined) return existing.ports;
  const grown = new Map(ports);
  grown.set(name, createPort(owner, name, direction, options));
  if (node !== undefined && node.size < MAX_CHILDREN) {
    let byType = node.children.get(key);
    if (byType === undefined) node.children.set(key, (byType = new Map()));
    const child: LayoutNode = { ports: grown, children: new Map(), size: 0 };
    byType.set(options.type, child);
    node.size++;
    nodes.set(grown, child);
  }
  return grown;
}

/** The tree node of a shared map; a class's decorated ports become a root on first use. Undefined for a private map. */
function nodeOf(ports: ReadonlyMap<string, CompiledPort>): LayoutNode | undefined {
  let node = nodes.get(ports);
  if (node === undefined && isClassPorts(ports)) {
    node = { ports, children: new Map(), size: 0 };
    nodes.set(ports, node);
  }
  return node;
}

const classMaps = new WeakSet<ReadonlyMap<string, CompiledPort>>();

/** Marks the port map of a class's decorators (a root of the tree). @internal */
export function markClassPorts(ports: ReadonlyMap<string, CompiledPort>): void {
  classMaps.add(ports);
}

function isClassPorts(ports: ReadonlyMap<string, CompiledPort>): boolean {
  return classMaps.has(ports);
}
