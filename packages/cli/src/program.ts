import { join, relative } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { componentsCommand } from './commands/components-command';
import { graphCommand } from './commands/graph-command';
import { runCommand, type SignalSource } from './commands/run-command';
import { listRunsCommand, pruneRunsCommand, showRunCommand } from './commands/runs-command';
import { validateCommand } from './commands/validate-command';
import { EXIT_CODES } from './exit-codes';
import { processTerminal, type Terminal } from './terminal';
import { InputError } from './workflow-input';

/** Where the CLI's documents are: copied next to the build (dist/docs) so they ship with the package. */
const DOCS = relativeToCwd(join(__dirname, 'docs'));

function relativeToCwd(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || rel === '' ? path : rel;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const EXIT_HELP = `
Exit codes:
  0    success (the workflow succeeded, or is valid)
  1    the workflow ran and a step failed
  2    invalid input: arguments, a missing file, an invalid workflow or plugin
  130  cancelled with Ctrl-C (a second Ctrl-C exits without waiting)`;

/** What `main` needs from its surroundings; the defaults are the process's. */
export interface MainOptions {
  terminal?: Terminal;
  signals?: SignalSource;
  /** Called on a second Ctrl-C (default `process.exit`). */
  forceExit?: (code: number) => void;
}

/**
 * Runs the `portflow` command with `args` (without `node` and the script)
 * and resolves with the exit code; never calls `process.exit` itself but for
 * a forced second Ctrl-C.
 *
 * @example
 * ```ts
 * process.exitCode = await main(['validate', 'flows/etl.yaml']);
 * ```
 */
export async function main(args: readonly string[], options: MainOptions = {}): Promise<number> {
  const terminal = options.terminal ?? processTerminal();
  const signals = options.signals ?? process;
  const forceExit = options.forceExit ?? ((code: number) => process.exit(code));
  let exitCode: number = EXIT_CODES.success;
  const program = buildProgram(terminal, async (run) => {
    exitCode = await run();
  }, signals, forceExit);
  if (args.length === 0) {
    terminal.stdout.write(program.helpInformation());
    return EXIT_CODES.invalidInput;
  }
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? EXIT_CODES.success : EXIT_CODES.invalidInput;
    }
    if (error instanceof InputError) {
      terminal.stderr.write(`${error.message}\n`);
      return EXIT_CODES.invalidInput;
    }
    terminal.stderr.write(`portflow: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT_CODES.workflowFailed;
  }
  return exitCode;
}

function buildProgram(terminal: Terminal, act: (run: () => Promise<number> | number) => Promise<void>, signals: SignalSource, forceExit: (code: number) => void): Command {
  const program = new Command('portflow')
    .description('Run, check and draw Portflow workflows written in YAML or JSON.')
    .version(version(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => terminal.stdout.write(s), writeErr: (s) => terminal.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ portflow run examples/workflows/sales-pipeline.yaml
  $ portflow run flow.yaml --var min_amount=250 --max-parallel 2
  $ portflow validate flow.yaml
  $ portflow graph flow.yaml --format dot | dot -Tsvg > flow.svg
  $ portflow components read_csv

Docs: ${DOCS}/cli.md and ${DOCS}/workflows-yaml.md
${EXIT_HELP}`,
    );

  const workflowOptions = (command: Command): Command =>
    command
      .option('--var <name=value>', 'set a workflow variable (repeatable); values are read as YAML scalars', collect)
      .option('--plugin <path>', 'load components from a module (repeatable)', collect)
      .option('--allow-plugins', 'load the plugins the workflow file lists under `plugins:`')
      .option('--no-color', 'plain text without colours');

  workflowOptions(
    program
      .command('run')
      .description('Run a workflow, showing progress as it goes and a summary at the end.')
      .argument('<file>', 'workflow file (.yaml, .yml or .json)'),
  )
    .option('--max-parallel <n>', 'most steps running at once (overrides settings.max_parallel)')
    .option('--json', 'write NDJSON: one engine event per line, then the result')
    .option('--no-progress', 'plain lines even on a terminal')
    .option('--verbose', 'show debug logs of the steps')
    .option('--store <location>', 'record the run in this store: a SQLite file or a postgres:// URL (default: $PORTFLOW_STORE, else .portflow/store.db next to the workflow)')
    .option('--no-store', 'do not record the run')
    .option('--resume [run-id]', 'continue a recorded run: steps it completed are restored, not run again (default: the latest unfinished run of this workflow)')
    .option('--rerun <steps>', 'with the latest run (or --resume <id>): run these steps (comma-separated) and everything after them again, restore the rest')
    .option('--checkpoint <when>', "when the store gets each step's record: 'step' (as each step ends; default), an interval such as 30s (a crash loses at most that much), or 'off'")
    .addHelpText(
      'after',
      `
On a terminal, running steps are shown with a spinner and their elapsed time
above a done/total bar; retries, failures and logs scroll by as they happen.
Piped or with --no-progress, each event is one line. With --json, each line
is a JSON object (see ${DOCS}/cli.md). The run ends with a table: step, status,
attempts, duration. Ctrl-C cancels; a second Ctrl-C exits at once.

Examples:
  $ portflow run examples/workflows/customer-report.yaml
  $ portflow run flow.yaml --var out_dir=/tmp/out --var min_amount=250
  $ portflow run flow.yaml --json | jq -c 'select(.type == "OperationFailed")'
  $ portflow run flow.yaml --plugin ./my-components.js
  $ portflow run flow.yaml --resume                 # after a failure or Ctrl-C
  $ portflow run flow.yaml --rerun summarize        # recompute one step and what follows

Every run is recorded (see ${DOCS}/cli.md, "Runs"); list them with
'portflow runs', inspect one with 'portflow runs show <id>'.
${EXIT_HELP}`,
    )
    .action((file: string, opts) => act(() => runCommand(file, opts, terminal, signals, forceExit)));

  workflowOptions(
    program
      .command('validate')
      .description('Check a workflow without running it: every problem with file:line:column and a hint.')
      .argument('<file>', 'workflow file'),
  )
    .option('--json', 'write the result as one JSON object')
    .addHelpText(
      'after',
      `
Examples:
  $ portflow validate flow.yaml
  $ portflow validate flow.yaml --var threshold=10 --json
${EXIT_HELP}`,
    )
    .action((file: string, opts) => act(() => validateCommand(file, opts, terminal)));

  workflowOptions(
    program
      .command('graph')
      .description("Print a workflow's DAG as Mermaid or Graphviz DOT.")
      .argument('<file>', 'workflow file'),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['mermaid', 'dot']).default('mermaid'))
    .addHelpText(
      'after',
      `
Examples:
  $ portflow graph flow.yaml > flow.mmd
  $ portflow graph flow.yaml --format dot | dot -Tpng > flow.png
${EXIT_HELP}`,
    )
    .action((file: string, opts) => act(() => graphCommand(file, opts, terminal)));

  program
    .command('components')
    .description('List the registered components with their params and ports.')
    .argument('[name]', 'show only this component')
    .option('--plugin <path>', 'also load components from a module (repeatable)', collect)
    .option('--json', 'write the list as JSON')
    .option('--no-color', 'plain text without colours')
    .addHelpText(
      'after',
      `
Examples:
  $ portflow components
  $ portflow components group_by
  $ portflow components --plugin ./my-components.js --json
${EXIT_HELP}`,
    )
    .action((name: string | undefined, opts) => act(() => componentsCommand(name, opts, terminal)));

  const runs = program
    .command('runs')
    .description('List recorded runs, newest first (show one with `runs show <id>`, remove old ones with `runs prune`).')
    .argument('[file]', "a workflow file: use the store next to it (default: $PORTFLOW_STORE, else ./.portflow/store.db)")
    .option('--store <location>', 'the run store: a SQLite file or a postgres:// URL')
    .option('--workflow <name>', 'only runs of this workflow')
    .option('--status <status>', 'only runs with this status: running, succeeded, failed or cancelled')
    .option('--limit <n>', 'at most this many runs (default 20)')
    .option('--json', 'write the runs as JSON')
    .addHelpText(
      'after',
      `
A run killed mid-way stays 'running'; 'portflow run <file> --resume' continues it.

Examples:
  $ portflow runs
  $ portflow runs examples/workflows/sales-pipeline.yaml --status failed
  $ portflow runs show 3f2c9a61-...
  $ portflow runs prune --older-than 30d
${EXIT_HELP}`,
    )
    .action((file: string | undefined, opts) => act(() => listRunsCommand(file, opts, terminal)));
  runs
    .command('show')
    .description("A run's steps: status, attempts, duration, cache key, and why each was restored or ran.")
    .argument('<run-id>', 'the run (see `portflow runs`)')
    .option('--store <location>', 'the run store: a SQLite file or a postgres:// URL')
    .option('--json', 'write the run and its steps as JSON')
    .option('--events', "replay the run's event journal too: every event, in order, with its time")
    // `runs` has --store and --json too, and takes them wherever they appear: read both levels.
    .action((runId: string, _opts, command: Command) => act(() => showRunCommand(runId, command.optsWithGlobals(), terminal)));
  runs
    .command('prune')
    .description('Remove runs older than an age, with their records, journals and the blobs no other run uses.')
    .requiredOption('--older-than <age>', 'e.g. 30d, 12h, 90m')
    .option('--store <location>', 'the run store: a SQLite file or a postgres:// URL')
    .option('--json', 'write what was removed as JSON')
    .action((_opts, command: Command) => act(() => pruneRunsCommand(command.optsWithGlobals(), terminal)));

  program
    .command('serve')
    .description('Serve a folder of workflows over HTTP: many executions at once with a bounded queue (429 when full), live events, webhooks, schedules and a web view.')
    .requiredOption('--workflows <folder>', 'the folder of workflow files (.yaml, .yml, .json) to serve; each under its name')
    .option('--store <location>', 'the run store: a SQLite file or a postgres:// URL (default: $PORTFLOW_STORE, else .portflow/store.db in the folder)')
    .option('--host <address>', 'address to listen on (default 127.0.0.1; anything else needs a token)')
    .option('--port <n>', 'port (default 8080)')
    .option('--token <token>', 'require Authorization: Bearer <token> on every API route (default: $PORTFLOW_TOKEN)')
    .option('--max-concurrent-runs <n>', 'executions running at once (default 4)')
    .option('--max-queued-runs <n>', 'executions waiting beyond those; more are answered 429 (default 100)')
    .option('--root <dir>', 'a folder steps may read and write files in (repeatable; default: the workflows folder); parameters cannot point outside', collect)
    .option('--plugin <path>', 'load components from a module (repeatable)', collect)
    .option('--verbose', 'debug logs')
    .addHelpText(
      'after',
      `
Executions are stored before they are accepted: a killed server started again
resumes them (queued ones start, running ones continue from their last
finished steps). SIGINT/SIGTERM stops accepting and waits for what runs; a
second one cancels it. See ${DOCS}/service.md.

Examples:
  $ portflow serve --workflows examples/workflows --port 8080
  $ curl -X POST localhost:8080/workflows/sales_pipeline/executions -H 'content-type: application/json' -d '{"params": {"min_amount": 250}}'
  $ PORTFLOW_TOKEN=$(openssl rand -hex 32) portflow serve --workflows flows --host 0.0.0.0 --store postgres://localhost/portflow
${EXIT_HELP}`,
    )
    .action((opts) => act(async () => (await import('./commands/serve-command')).serveCommand(opts, terminal, signals)));

  // Distributed workers (@portflow/distributed, loaded only by these two commands: BullMQ and ioredis stay out of the others' start-up).
  program
    .command('worker')
    .description('Run operations of distributed runs: take BullMQ jobs from Redis queues until SIGTERM/SIGINT, which drain it.')
    .option('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379 (default: $PORTFLOW_REDIS)')
    .option('--prefix <prefix>', "key prefix, the coordinator's (default: $PORTFLOW_PREFIX, else portflow)")
    .option('--queue <name>', 'take jobs of this queue (repeatable), e.g. cpu', collect)
    .option('--build-id <id>', "the coordinator's build id (default dev): jobs of other builds are never taken")
    .option('--concurrency <n>', 'jobs run at once, per queue (default 1)')
    .option('--threads <n>', 'worker threads for cpu_bound and memory_bound operations (default: concurrency x queues; 0 runs them on the event loop)')
    .option('--require <module>', 'an operation module to load, relative to --root or a package (repeatable); jobs naming others are refused', collect)
    .option('--root <dir>', 'directory module paths are relative to (default: the current directory)')
    .option('--blobs <dir>', "the directory shared with the coordinator (same path) where values over 256 KiB travel instead of inside jobs (the coordinator's blobs option)")
    .option('--lock-duration <ms>', "how long a job's lock lasts without renewal (default 5000)")
    .option('--stalled-interval <ms>', 'how often to look for jobs of dead workers (default 2000)')
    .option('--verbose', 'debug logs')
    .addHelpText(
      'after',
      `
Prints one line starting 'portflow worker ready' when it takes jobs, and writes
a heartbeat to Redis that coordinators check before they enqueue a run's first
job on a queue ('portflow workers' lists them). See docs/distributed.md.

Examples:
  $ portflow worker --redis redis://127.0.0.1:6379 --queue cpu --concurrency 4 --threads 4 --require ./dist/operations.js
  $ portflow worker --redis redis://queue-host:6379 --queue cpu --queue gpu --build-id v42 --require @acme/ops
${EXIT_HELP}`,
    )
    .action((opts) => act(async () => (await import('./commands/worker-command')).workerCommand(opts, terminal, signals, forceExit)));
  program
    .command('workers')
    .description('List the live distributed workers (from their heartbeats): host, pid, queues, build, load.')
    .option('--redis <url>', 'Redis URL (default: $PORTFLOW_REDIS)')
    .option('--prefix <prefix>', 'key prefix (default: $PORTFLOW_PREFIX, else portflow)')
    .option('--json', 'write { "prefix", "workers": [...] } as one JSON object')
    .action((opts) => act(async () => (await import('./commands/worker-command')).workersCommand(opts, terminal)));

  const jobs = program.command('jobs').description("Distributed runs' jobs in Redis.");
  jobs
    .command('prune')
    .description('Remove the jobs of distributed run chains no coordinator drives any more (it died and the run was never resumed), idle for at least an age.')
    .requiredOption('--older-than <age>', 'only chains none of whose jobs was added, started or finished for this long, e.g. 7d, 12h, 90m (younger ones may still be resumed)')
    .option('--redis <url>', 'Redis URL (default: $PORTFLOW_REDIS)')
    .option('--prefix <prefix>', 'key prefix (default: $PORTFLOW_PREFIX, else portflow)')
    .option('--blobs <dir>', "the coordinators' blob directory, so that the jobs' files go too")
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option('--json', 'write { "prefix", "dryRun", "runs": [...] } as one JSON object')
    .action((opts) => act(async () => (await import('./commands/jobs-command')).pruneJobsCommand(opts, terminal)));

  for (const command of [...program.commands, ...runs.commands, ...jobs.commands]) {
    command.exitOverride().configureOutput({ writeOut: (s) => terminal.stdout.write(s), writeErr: (s) => terminal.stderr.write(s) }).showHelpAfterError('(run with --help for usage)');
  }
  return program;
}

function version(): string {
  try {
    return (require('../package.json') as { version: string }).version; // eslint-disable-line @typescript-eslint/no-require-imports
  } catch {
    return '0.0.0';
  }
}
