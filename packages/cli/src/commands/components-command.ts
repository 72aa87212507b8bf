import type { ComponentDescriptor } from '@portflow/workflow';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { colorsFor, type Colors, type Terminal } from '../terminal';
import { registryWithPlugins } from '../workflow-input';

/** Options of `portflow components`. */
export interface ComponentsCommandOptions {
  plugin?: string[];
  json?: boolean;
  color?: boolean;
}

/** `portflow components [name]`: registered components with their params and ports. */
export function componentsCommand(name: string | undefined, options: ComponentsCommandOptions, terminal: Terminal): ExitCode {
  const registry = registryWithPlugins(options.plugin, terminal);
  let components = registry.list();
  if (name !== undefined) {
    const one = registry.get(name);
    if (one === undefined) {
      const close = registry.closest(name);
      terminal.stderr.write(`portflow: no component named '${name}'${close.length > 0 ? `; did you mean ${close.map((c) => `'${c}'`).join(' or ')}?` : ''}\n`);
      return EXIT_CODES.invalidInput;
    }
    components = [one];
  }
  if (options.json) {
    terminal.stdout.write(`${JSON.stringify(components.map(toJson))}\n`);
    return EXIT_CODES.success;
  }
  const colors = colorsFor(terminal.stdout, terminal.env, options.color !== false);
  terminal.stdout.write(components.map((c) => describe(c, colors)).join('\n\n') + '\n');
  return EXIT_CODES.success;
}

function toJson(c: ComponentDescriptor): object {
  return {
    name: c.name,
    description: c.description ?? null,
    params: c.params.map((p) => ({ name: p.name, type: p.type, optional: p.optional, default: p.default ?? null })),
    inputs: c.ports.filter((p) => p.direction === 'input').map((p) => ({ name: p.name, type: p.typeName, optional: p.optional, collect: p.collect })),
    outputs: c.ports.filter((p) => p.direction === 'output').map((p) => ({ name: p.name, type: p.typeName })),
    dynamicPorts: c.dynamicPorts,
    primaryInput: c.primaryInput ?? null,
    primaryOutput: c.primaryOutput ?? null,
  };
}

function describe(c: ComponentDescriptor, colors: Colors): string {
  const params = c.params.map((p) => `${p.name}: ${p.type}${p.default !== undefined ? ` = ${JSON.stringify(p.default)}` : p.optional ? ' (optional)' : ' (required)'}`);
  const port = (direction: 'input' | 'output') =>
    c.ports
      .filter((p) => p.direction === direction)
      .map((p) => `${p.name}: ${p.typeName}${p.optional ? ' (optional)' : ''}${p.collect ? ' (many)' : ''}${p.name === (direction === 'input' ? c.primaryInput : c.primaryOutput) ? colors.dim(' [primary]') : ''}`);
  const dynamic = c.dynamicPorts ? colors.dim('one per wired input (declared by the workflow)') : undefined;
  const lines = [
    `${colors.bold(colors.cyan(c.name))}  ${c.description ?? ''}`.trimEnd(),
    `  ${colors.dim('params ')}  ${params.join(', ') || '—'}`,
    `  ${colors.dim('inputs ')}  ${dynamic ?? (port('input').join(', ') || '—')}`,
    `  ${colors.dim('outputs')}  ${port('output').join(', ') || '—'}`,
  ];
  return lines.join('\n');
}
