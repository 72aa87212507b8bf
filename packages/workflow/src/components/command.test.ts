import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, ExecutionEngine, GraphDefinition, OperationTimeoutError, type ExecutionResult, type LogEntry, type RunHandle } from '@portflow/core';
import { builtinRegistry, CommandError, loadWorkflow, WorkflowFile } from '../index';

const NODE = process.execPath;
const PROCESS_TREE = join(__dirname, '__fixtures__', 'command-process-tree.js');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portflow-command-'));
});
afterEach(() => {
  jest.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

/** Log entries of a run; `next(test)` resolves with the first entry, logged before or after the call, that passes `test`. */
class LogRecorder {
  readonly entries: LogEntry[] = [];
  private readonly waiting: { test: (entry: LogEntry) => boolean; resolve: (entry: LogEntry) => void }[] = [];
  readonly logger = createLogger((entry) => {
    this.entries.push(entry);
    for (const waiter of [...this.waiting]) {
      if (waiter.test(entry)) {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        waiter.resolve(entry);
      }
    }
  });

  next(test: (entry: LogEntry) => boolean): Promise<LogEntry> {
    const found = this.entries.find(test);
    return found !== undefined ? Promise.resolve(found) : new Promise((resolve) => this.waiting.push({ test, resolve }));
  }

  /** Lines the command wrote to `stream`, in order. */
  lines(stream: 'stdout' | 'stderr'): string[] {
    return this.entries.filter((e) => e.fields.stream === stream).map((e) => e.message);
  }
}

interface StartOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  stdin?: unknown;
}

/** Starts a run of one `command` step named `cmd`, in a workflow living in `dir`. */
function start(params: Record<string, unknown>, options: StartOptions = {}): { run: RunHandle; log: LogRecorder } {
  const registry = builtinRegistry();
  const log = new LogRecorder();
  const command = registry.create('command', params, { id: 'cmd', ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) }, { file: new WorkflowFile(undefined, dir) });
  const graph = new GraphDefinition().add(command);
  if (options.stdin !== undefined) graph.connect(registry.create('constant', { value: options.stdin }, { id: 'input' }), 'value' as never, command as never, 'stdin' as never);
  const run = new ExecutionEngine({ logger: log.logger }).start(graph, { retainOutputs: true, ...(options.signal === undefined ? {} : { signal: options.signal }) });
  return { run, log };
}

async function runCommand(params: Record<string, unknown>, options: StartOptions = {}): Promise<{ result: ExecutionResult; log: LogRecorder }> {
  const { run, log } = start(params, options);
  return { result: await run.result, log };
}

/** `node -e <script> [args]` as command params. */
function node(script: string, ...args: unknown[]): { command: string; args: unknown[] } {
  return { command: NODE, args: ['-e', script, ...args] };
}

function failure(result: ExecutionResult): CommandError {
  expect(result.status).toBe('failed');
  const error = result.errors[0]?.error;
  expect(error).toBeInstanceOf(CommandError);
  return error as CommandError;
}

/** Whether `pid` is a running process. An exited process waiting to be reaped (a zombie, state Z) is not running. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return !existsSync('/proc/self/stat'); // no /proc: kill(pid, 0) is all we know
  }
}

/** The pids the process-tree fixture prints once its grandchild is ready: [grandchild, child]. */
async function processTree(log: LogRecorder): Promise<[grandchild: number, child: number]> {
  const ready = await log.next((e) => e.message.startsWith('ready '));
  const [grandchild, child] = ready.message.split(' ').slice(1).map(Number);
  return [grandchild!, child!];
}

describe('command', () => {
  it('runs a program with args and env, and outputs its exit code and stdout', async () => {
    const { result } = await runCommand({
      ...node('console.log(process.argv.slice(1).join("|")); console.log(process.env.GREETING, process.env.COUNT)', 'two words', 42, true),
      env: { GREETING: 'hello', COUNT: 3 },
    });
    expect(result.status).toBe('succeeded');
    expect(result.getOutput('cmd', 'exit_code')).toBe(0);
    expect(result.getOutput('cmd', 'stdout')).toBe('two words|42|true\nhello 3\n');
    expect(result.getOutput('cmd', 'files')).toEqual({});
  });

  it('runs in the workflow directory by default, or in cwd resolved against it', async () => {
    mkdirSync(join(dir, 'sub'));
    const here = await runCommand(node('process.stdout.write(process.cwd())'));
    expect(here.result.getOutput('cmd', 'stdout')).toBe(realpathSync(dir));
    const sub = await runCommand({ ...node('process.stdout.write(process.cwd())'), cwd: 'sub' });
    expect(sub.result.getOutput('cmd', 'stdout')).toBe(realpathSync(join(dir, 'sub')));
  });

  it('starts from env alone when inherit_env is false', async () => {
    process.env.PORTFLOW_COMMAND_TEST_SECRET = 'leak';
    try {
      const { result } = await runCommand({ ...node('console.log(JSON.stringify(process.env))'), inherit_env: false, env: { ONLY: 'this' } });
      expect(JSON.parse(result.getOutput('cmd', 'stdout') as string)).toEqual({ ONLY: 'this' });
    } finally {
      delete process.env.PORTFLOW_COMMAND_TEST_SECRET;
    }
  });

  it('passes args without a shell: $HOME, ; and * stay literal', async () => {
    const { result } = await runCommand({ ...node('console.log(JSON.stringify(process.argv.slice(1)))', '$HOME', 'a; echo injected', '*', '"quoted"') });
    expect(JSON.parse(result.getOutput('cmd', 'stdout') as string)).toEqual(['$HOME', 'a; echo injected', '*', '"quoted"']);
  });

  it('runs a shell script with shell: true, args becoming $1, $2 and never part of the script', async () => {
    const { result } = await runCommand({ command: 'printf "%s|" "$1" "$2" | tr a-z A-Z; echo " $0"', shell: true, args: ['a; echo injected', '$HOME'] });
    expect(result.getOutput('cmd', 'stdout')).toBe('A; ECHO INJECTED|$HOME| cmd\n');
  });

  it('fails on a non-zero exit with the code and the last 20 lines of stderr', async () => {
    const { result } = await runCommand(node('for (let i = 1; i <= 30; i++) console.error(`problem ${i}`); process.exit(3)'));
    const error = failure(result);
    expect(error).toMatchObject({ failure: 'exit-code', exitCode: 3, signal: null, step: 'cmd', code: 'PORTFLOW_COMMAND_FAILED' });
    expect(error.message).toMatch(/^Step 'cmd': .* exited with code 3\.\nLast 20 lines of stderr:\n {2}problem 11\n/);
    expect(error.message).toMatch(/ {2}problem 30$/);
    expect(error.message).not.toContain('problem 10\n');
    expect(error.stderrTail).toHaveLength(20);
  });

  it('succeeds on an exit code listed in success_codes', async () => {
    const { result } = await runCommand({ ...node('process.exit(1)'), success_codes: [0, 1] });
    expect(result.status).toBe('succeeded');
    expect(result.getOutput('cmd', 'exit_code')).toBe(1);
  });

  it('fails with the signal when a signal ends the program', async () => {
    const { result } = await runCommand(node('process.kill(process.pid, "SIGSEGV")'));
    expect(failure(result)).toMatchObject({ failure: 'signal', exitCode: null, signal: 'SIGSEGV' });
    expect(failure(result).message).toContain('was ended by signal SIGSEGV');
  });

  it('says which program was not found on PATH', async () => {
    const { result } = await runCommand({ command: 'portflow-no-such-program', env: { PATH: '/nowhere:/also-nowhere' } });
    const error = failure(result);
    expect(error.failure).toBe('not-found');
    expect(error.message).toContain("executable 'portflow-no-such-program' was not found on PATH (/nowhere:/also-nowhere)");
  });

  it('names the resolved path of a missing script, relative to the workflow directory', async () => {
    const { result } = await runCommand({ command: 'scripts/missing.sh' });
    const error = failure(result);
    expect(error).toMatchObject({ failure: 'not-found', executable: join(dir, 'scripts/missing.sh') });
    expect(error.message).toContain(`executable ${join(dir, 'scripts/missing.sh')} does not exist`);
  });

  it('says how to fix a script that is not executable', async () => {
    writeFileSync(join(dir, 'run.sh'), 'echo hi\n');
    chmodSync(join(dir, 'run.sh'), 0o644);
    const error = failure((await runCommand({ command: './run.sh' })).result);
    expect(error.failure).toBe('not-executable');
    expect(error.message).toContain(`chmod +x ${join(dir, 'run.sh')}`);
  });

  it("names a script's missing interpreter", async () => {
    writeFileSync(join(dir, 'run.py'), '#!/nonexistent/python9\nprint("hi")\n');
    chmodSync(join(dir, 'run.py'), 0o755);
    const error = failure((await runCommand({ command: './run.py' })).result);
    expect(error.failure).toBe('not-found');
    expect(error.message).toContain("starts with '#!/nonexistent/python9', but that interpreter does not exist here");
  });

  it('says when the working directory does not exist', async () => {
    const error = failure((await runCommand({ ...node(''), cwd: 'no-such-dir' })).result);
    expect(error.message).toContain(`working directory ${join(dir, 'no-such-dir')} does not exist`);
  });

  it('logs each line as it is written, stdout at info and stderr at warn, in order', async () => {
    const { result, log } = await runCommand(node('for (let i = 1; i <= 500; i++) { console.log(`out ${i}`); if (i % 100 === 0) console.error(`err ${i}`); }'));
    expect(result.status).toBe('succeeded');
    expect(log.lines('stdout')).toEqual(Array.from({ length: 500 }, (_, i) => `out ${i + 1}`));
    expect(log.lines('stderr')).toEqual(['err 100', 'err 200', 'err 300', 'err 400', 'err 500']);
    const levels = new Set(log.entries.filter((e) => e.fields.stream !== undefined).map((e) => `${String(e.fields.stream)}:${e.level}:${String(e.fields.operationId)}`));
    expect([...levels].sort()).toEqual(['stderr:warn:cmd', 'stdout:info:cmd']);
  });

  it('logs lines while the program still runs', async () => {
    const controller = new AbortController();
    const { run, log } = start(node('console.log("first line"); setInterval(() => {}, 1 << 30)'), { signal: controller.signal });
    await log.next((e) => e.message === 'first line');
    controller.abort(new Error('seen it'));
    expect((await run.result).status).toBe('cancelled');
  });

  it('keeps the last max_stdout bytes of stdout, from a whole character, and logs all of it', async () => {
    const { result, log } = await runCommand({ ...node('for (let i = 0; i < 1000; i++) console.log(`é${String(i).padStart(3, "0")}`)'), max_stdout: 100 });
    const stdout = result.getOutput('cmd', 'stdout') as string;
    expect(Buffer.byteLength(stdout)).toBeLessThanOrEqual(100);
    expect(Buffer.byteLength(stdout)).toBeGreaterThanOrEqual(98);
    expect(stdout).toMatch(/^[^\uFFFD]*é999\n$/);
    expect(log.lines('stdout')).toHaveLength(1000);
    expect(log.entries.some((e) => e.level === 'warn' && e.message.includes('stdout was 6000 bytes'))).toBe(true);
  });

  it('writes the stdin input to the program', async () => {
    const { result } = await runCommand(node('process.stdin.pipe(process.stdout)'), { stdin: 'line 1\nline 2\n' });
    expect(result.getOutput('cmd', 'stdout')).toBe('line 1\nline 2\n');
  });

  it('outputs declared files as absolute paths, resolved against the working directory', async () => {
    const { result } = await runCommand({ ...node('require("fs").mkdirSync("out"); require("fs").writeFileSync("out/model.json", "{}")'), outputs: { model: 'out/model.json' } });
    expect(result.status).toBe('succeeded');
    expect(result.getOutput('cmd', 'files')).toEqual({ model: join(dir, 'out/model.json') });
  });

  it('fails naming a declared output file the program did not write', async () => {
    const error = failure((await runCommand({ ...node(''), outputs: { model: 'out/model.json', report: 'report.txt' } })).result);
    expect(error).toMatchObject({ failure: 'missing-output', missing: [join(dir, 'out/model.json'), join(dir, 'report.txt')] });
    expect(error.message).toContain(`did not write its declared outputs 'model' (${join(dir, 'out/model.json')}), 'report' (${join(dir, 'report.txt')})`);
  });

  it('kills the whole process group on cancel: SIGTERM, then SIGKILL after the grace period', async () => {
    // Fake timers drive the grace period, so a slow machine cannot make it pass before the grandchild has seen SIGTERM.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'Date', 'hrtime', 'performance'] });
    const controller = new AbortController();
    const { run, log } = start({ command: NODE, args: [PROCESS_TREE], grace_period: '5s' }, { signal: controller.signal });
    const [grandchild, child] = await processTree(log);
    controller.abort(new Error('stop'));
    await log.next((e) => e.message === 'ignoring SIGTERM');
    expect(isRunning(grandchild)).toBe(true);
    jest.advanceTimersByTime(5_000);
    const result = await run.result; // settles once the command has ended
    expect(result.status).toBe('cancelled');
    expect(log.entries.map((e) => e.message)).toEqual(expect.arrayContaining(["sending SIGTERM to the command's process group (aborted)", "sending SIGKILL to the command's process group (grace period over)"]));
    expect(isRunning(child)).toBe(false);
    expect(isRunning(grandchild)).toBe(false);
  });

  it("kills the whole process group when the step's timeout passes", async () => {
    // Fake timers drive the engine's timeout and the grace period; the processes and their pipes are real.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'Date', 'hrtime', 'performance'] });
    const { run, log } = start({ command: NODE, args: [PROCESS_TREE], grace_period: '5s' }, { timeoutMs: 60_000 });
    const [grandchild, child] = await processTree(log);
    jest.advanceTimersByTime(60_000);
    const result = await run.result;
    expect(result.status).toBe('failed');
    expect(result.errors[0]?.error).toBeInstanceOf(OperationTimeoutError);
    // SIGTERM ends the child; the grandchild ignores it and lives on until the grace period is over.
    await log.next((e) => e.message === 'process exited with signal SIGTERM');
    await log.next((e) => e.message === 'ignoring SIGTERM');
    expect(isRunning(child)).toBe(false);
    expect(isRunning(grandchild)).toBe(true);
    jest.advanceTimersByTime(5_000);
    await log.next((e) => e.message === 'command ended');
    expect(isRunning(grandchild)).toBe(false);
  });

  it('stops processes the program leaves running when it exits', async () => {
    const { result, log } = await runCommand({ command: 'sleep 600 & echo started $!', shell: true, grace_period: 100 });
    expect(result.status).toBe('succeeded');
    const sleeper = Number(/started (\d+)/.exec(result.getOutput('cmd', 'stdout') as string)![1]);
    expect(log.entries.some((e) => e.message === "sending SIGTERM to the command's process group (left running)")).toBe(true);
    expect(isRunning(sleeper)).toBe(false);
  });
});

describe('command params', () => {
  it.each([
    [{}, "missing param 'command'"],
    [{ command: 'ls', args: 'a b' }, 'args must be a list of strings'],
    [{ command: 'ls', env: { A: { b: 1 } } }, 'env must map variable names to strings'],
    [{ command: 'ls', grace_period: '5 minutes' }, "grace_period must be milliseconds (2000) or a duration such as '500ms', '5s' or '1m'"],
    [{ command: 'ls', outputs: ['a.txt'] }, 'outputs must map names to file paths'],
    [{ command: 'ls', shell: 'yes' }, 'shell must be a boolean value'],
  ])('rejects %j', (params, message) => {
    const result = builtinRegistry().validateParams('command', params);
    expect(!result.ok && result.issues.map((i) => i.message).join('\n')).toContain(message);
  });
});

describe('command in a workflow', () => {
  it('chains like a shell pipe: a depends_on step feeds stdin with its stdout', async () => {
    const workflow = loadWorkflow(
      [
        'name: pipe',
        'pipeline:',
        '  - name: produce',
        '    operation: command',
        '    params: { command: printf, args: ["b\\na\\nc\\n"] }',
        '  - name: sort',
        '    operation: command',
        '    depends_on: [produce]',
        '    params: { command: sort }',
      ].join('\n'),
      { registry: builtinRegistry(), file: join(dir, 'pipe.yaml') },
    );
    const result = await new ExecutionEngine().run(workflow.graph, { retainOutputs: true });
    expect(result.getOutput('sort', 'stdout')).toBe('a\nb\nc\n');
  });

  it('names the step and its place in the file when the program is missing', async () => {
    const workflow = loadWorkflow(['pipeline:', '  - name: train', '    operation: command', '    params:', '      command: ./train.sh'].join('\n'), {
      registry: builtinRegistry(),
      file: join(dir, 'flow.yaml'),
    });
    const result = await new ExecutionEngine().run(workflow.graph);
    expect(failure(result).message).toMatch(/^Step 'train' \(.*flow\.yaml:5:\d+\): executable .*train\.sh does not exist/);
  });
});
