import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { dataRegistry } from '@portflow/data';
import { checkWorkflow, formatProblem, loadPlugin, parseVariableAssignment, type CheckResult, type ComponentRegistry } from '@portflow/workflow';
import type { Colors, Terminal } from './terminal';

/** Options every command that reads a workflow accepts. */
export interface WorkflowInputOptions {
  var?: string[];
  plugin?: string[];
  allowPlugins?: boolean;
}

/** An input problem that ends the command with exit code 2; `message` is printed as is. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** The built-in and data components plus those of every `--plugin` module (resolved against the working directory). */
export function registryWithPlugins(plugins: readonly string[] | undefined, terminal: Terminal): ComponentRegistry {
  const registry = dataRegistry();
  for (const plugin of plugins ?? []) {
    try {
      loadPlugin(registry, plugin, terminal.cwd);
    } catch (error) {
      throw new InputError(`portflow: ${(error as Error).message}`);
    }
  }
  return registry;
}

/** Reads, validates and compiles the workflow a command names. */
export function checkWorkflowFile(file: string, options: WorkflowInputOptions, terminal: Terminal): CheckResult {
  const registry = registryWithPlugins(options.plugin, terminal);
  const variables: Record<string, unknown> = {};
  for (const assignment of options.var ?? []) {
    try {
      const [name, value] = parseVariableAssignment(assignment);
      variables[name] = value;
    } catch (error) {
      throw new InputError(`portflow: --var ${(error as Error).message}`);
    }
  }
  let text: string;
  try {
    text = readFileSync(resolve(terminal.cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `portflow: no such file: ${file}` : `portflow: cannot read ${file}: ${(error as Error).message}`);
  }
  const check = checkWorkflow(text, { registry, variables, env: terminal.env, allowPlugins: options.allowPlugins === true, file });
  // Notices (an ignored setting) go to stderr, so stdout stays the command's output.
  for (const notice of check.workflow?.notices ?? []) {
    const [first, ...rest] = formatProblem(notice, { codeFrame: false }).split('\n');
    terminal.stderr.write(`${first!.replace(': ', ': notice: ')}\n${rest.join('\n')}\n`);
  }
  return check;
}

/** Every problem, coloured, with a closing count. */
export function renderProblems(check: Extract<CheckResult, { ok: false }>, colors: Colors): string {
  const blocks = check.problems.map((problem) => {
    const [first, ...rest] = formatProblem(problem).split('\n');
    const [location, ...message] = first!.split(': ');
    const body = rest.map((line) => (line.startsWith('  hint:') ? colors.cyan(line) : colors.dim(line)));
    return [`${colors.bold(location!)}: ${colors.red('error')} ${message.join(': ')}`, ...body].join('\n');
  });
  const count = check.problems.length === 1 ? '1 problem' : `${check.problems.length} problems`;
  return `${blocks.join('\n\n')}\n\n${colors.red(`✖ ${count}`)}\n`;
}
