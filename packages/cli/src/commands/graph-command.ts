import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { colorsFor, type Terminal } from '../terminal';
import { checkWorkflowFile, renderProblems, type WorkflowInputOptions } from '../workflow-input';

/** Options of `portflow graph`. */
export interface GraphCommandOptions extends WorkflowInputOptions {
  format: 'mermaid' | 'dot';
  color?: boolean;
}

/** `portflow graph`: the workflow's DAG as Mermaid or Graphviz DOT on stdout. */
export function graphCommand(file: string, options: GraphCommandOptions, terminal: Terminal): ExitCode {
  const check = checkWorkflowFile(file, options, terminal);
  if (!check.ok) {
    terminal.stderr.write(renderProblems(check, colorsFor(terminal.stderr, terminal.env, options.color !== false)));
    return EXIT_CODES.invalidInput;
  }
  terminal.stdout.write(options.format === 'dot' ? check.workflow.graph.toDot() : check.workflow.graph.toMermaid());
  return EXIT_CODES.success;
}
