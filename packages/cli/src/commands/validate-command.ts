import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { colorsFor, type Terminal } from '../terminal';
import { checkWorkflowFile, renderProblems, type WorkflowInputOptions } from '../workflow-input';

/** Options of `portflow validate`. */
export interface ValidateCommandOptions extends WorkflowInputOptions {
  json?: boolean;
  color?: boolean;
}

/** `portflow validate`: every problem with its position, or a one-line confirmation. */
export function validateCommand(file: string, options: ValidateCommandOptions, terminal: Terminal): ExitCode {
  const check = checkWorkflowFile(file, options, terminal);
  if (options.json) {
    const body = check.ok
      ? { valid: true, file, name: check.workflow.name, form: check.workflow.form, steps: check.workflow.steps.map((s) => ({ name: s.name, component: s.component })) }
      : { valid: false, file, problems: check.problems };
    terminal.stdout.write(`${JSON.stringify(body)}\n`);
  } else if (check.ok) {
    const colors = colorsFor(terminal.stdout, terminal.env, options.color !== false);
    const { workflow } = check;
    terminal.stdout.write(`${colors.green('✔')} ${file} is valid: ${workflow.name}, ${workflow.form} form, ${workflow.steps.length} step${workflow.steps.length === 1 ? '' : 's'}\n`);
  } else {
    terminal.stderr.write(renderProblems(check, colorsFor(terminal.stderr, terminal.env, options.color !== false)));
  }
  return check.ok ? EXIT_CODES.success : EXIT_CODES.invalidInput;
}
