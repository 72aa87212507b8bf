import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// These tests run the built binary, as a user would: `npm test` builds first.
const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');
const plugin = join(__dirname, '__fixtures__', 'test-components.js');
const dir = mkdtempSync(join(tmpdir(), 'portflow-e2e-'));
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, CI: undefined, PORTFLOW_STORE: join(dir, 'store.db') };
// Each test starts the built binary (and DuckDB with it): an upper bound for a loaded machine, not a wait.
jest.setTimeout(60_000);

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

function portflow(...args: string[]) {
  const child = spawnSync(process.execPath, [bin, ...args], { cwd: root, env, encoding: 'utf8', timeout: 20_000 });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

interface Started {
  child: ChildProcess;
  output: () => string;
  /** Resolves once stdout or stderr contains `text`. */
  until: (text: string) => Promise<void>;
  exit: Promise<number | null>;
}

/** Starts the binary and resolves once its stdout contains `marker`. */
function startUntil(args: string[], marker: string): Promise<Started> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env });
  let stdout = '';
  let stderr = '';
  const waiting: { text: string; done: () => void }[] = [];
  const check = (): void => {
    for (const w of [...waiting]) {
      if (!(stdout + stderr).includes(w.text)) continue;
      waiting.splice(waiting.indexOf(w), 1);
      w.done();
    }
  };
  const until = (text: string): Promise<void> =>
    new Promise((done) => {
      waiting.push({ text, done });
      check();
    });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    check();
  });
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return new Promise((ready, fail) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      check();
      if (stdout.includes(marker)) ready({ child, output: () => stdout + stderr, until, exit });
    });
    void exit.then(() => fail(new Error(`exited before '${marker}':\n${stdout}${stderr}`)));
  });
}

const SLOW = () => write('slow.yaml', 'pipeline:\n  - { name: wait, operation: delay, params: { ms: 30000 } }\n  - { name: after, operation: log, depends_on: [wait] }\n');

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (npm run build)`);
});

describe('portflow binary', () => {
  it('runs both example workflows, exit code 0', () => {
    for (const file of ['sales-pipeline.yaml', 'customer-report.yaml']) {
      const { code, stdout } = portflow('run', join('examples', 'workflows', file), '--var', `out_dir=${dir}`);
      expect(stdout).toMatch(/succeeded: \d+\/\d+ steps in/);
      expect(code).toBe(0);
    }
  });

  it('prints plain lines when stdout is not a TTY', () => {
    const { stdout } = portflow('run', join('examples', 'workflows', 'sales-pipeline.yaml'), '--var', `out_dir=${dir}`);
    expect(stdout).not.toContain('\u001b[');
    expect(stdout.split('\n').filter((l) => /^\[ *\d+\.\d{3}s\] [▶✔]/.test(l))).toHaveLength(8);
  });

  it('writes parseable NDJSON with --json', () => {
    const { code, stdout } = portflow('run', join('examples', 'workflows', 'sales-pipeline.yaml'), '--json', '--var', `out_dir=${dir}`);
    expect(code).toBe(0);
    const types = stdout.trim().split('\n').map((line) => JSON.parse(line).type);
    expect(types[0]).toBe('WorkflowLoaded');
    expect(types.slice(-2)).toEqual(['RunCompleted', 'RunResult']);
  });

  it('distinguishes a failed run (1) from invalid input (2)', () => {
    expect(portflow('run', write('fail.yaml', 'pipeline:\n  - { name: load, operation: read_csv, params: { path: nope.csv } }\n')).code).toBe(1);
    const invalid = portflow('validate', write('typo.yaml', 'pipeline:\n  - name: load\n    operation: read_cvs\n'));
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/typo.yaml:3:16: error Unknown component 'read_cvs' in step 'load'.\n.*\n.*\n {2}hint: did you mean 'read_csv'\?/);
    expect(portflow('nonsense').code).toBe(2);
  });

  it('prints the version through the package bin shim', () => {
    const child = spawnSync(process.execPath, [join(root, 'packages', 'cli', 'bin', 'portflow.js'), '--version'], { encoding: 'utf8' });
    expect(child.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('cancels gracefully on SIGINT: exit 130, cancelled steps in the summary', async () => {
    const run = await startUntil(['run', SLOW()], '▶ wait');
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(run.output()).toMatch(/SIGINT: cancelling/);
    expect(run.output()).toMatch(/■ wait cancelled: SIGINT received/);
    expect(run.output()).toMatch(/wait +delay +cancelled +1 /);
    expect(run.output()).toMatch(/■ slow cancelled after/);
  });

  it('exits at once on a second SIGINT when a step ignores cancellation', async () => {
    const file = write('stubborn.yaml', 'pipeline:\n  - { name: stuck, operation: stubborn }\n');
    const run = await startUntil(['run', file, '--plugin', plugin], '▶ stuck');
    run.child.kill('SIGINT');
    await run.until('SIGINT: cancelling'); // the first SIGINT is handled: the run waits for the stuck step
    expect(run.child.exitCode).toBeNull();
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(run.output()).toMatch(/SIGINT again, exiting without waiting for running steps/);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  (hasScript ? it : it.skip)('draws live progress on a TTY: spinner lines, done/total bar, summary', () => {
    const file = write('tty.yaml', 'pipeline:\n  - { name: pause, operation: delay, params: { ms: 400 } }\n  - { name: after, operation: log, depends_on: [pause] }\n');
    const child = spawnSync('script', ['-qec', `stty cols 100 rows 30; ${process.execPath} ${bin} run ${file}`, '/dev/null'], { cwd: root, env: { ...env, TERM: 'xterm' }, encoding: 'utf8', timeout: 20_000 });
    expect(child.stdout).toMatch(/pause delay \d+ms/);
    expect(child.stdout).toMatch(/0\/2 done · 1 running/);
    expect(child.stdout).toMatch(/✔ pause delay · 4\d\dms/);
    expect(child.stdout).toMatch(/✔ tty succeeded: 2\/2 steps/);
  });
});

describe('portflow serve', () => {
  it('serves a folder of workflows, runs a submitted execution and drains on SIGTERM', async () => {
    const flows = mkdtempSync(join(tmpdir(), 'portflow-serve-e2e-'));
    writeFileSync(join(flows, 'greet.yaml'), 'name: greet\nvariables: { who: world }\npipeline:\n  - { name: hello, operation: log, params: { message: "hello ${{ vars.who }}" } }\n');
    const served = await startUntil(['serve', '--workflows', flows, '--port', '0', '--store', join(flows, 'store.db')], 'listening on');
    try {
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(served.output())![1]!;
      expect(served.output()).toMatch(/portflow serve: 1 workflow \(greet\)/);
      const submitted = await fetch(`${url}/workflows/greet/executions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ params: { who: 'Ada' } }) });
      expect(submitted.status).toBe(202);
      const { executionId } = (await submitted.json()) as { executionId: string };
      const refused = await fetch(`${url}/workflows/greet/executions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ params: { whom: 'Ada' } }) });
      expect(refused.status).toBe(400);
      served.child.kill('SIGTERM');
      await served.until('stopped after');
      expect(await served.exit).toBe(0);
      const shown = portflow('runs', '--store', join(flows, 'store.db'), '--json');
      expect(shown.code).toBe(0);
      expect(JSON.parse(shown.stdout).runs).toEqual([expect.objectContaining({ workflow: 'greet', status: 'succeeded' })]);
      expect(executionId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      if (served.child.exitCode === null) served.child.kill('SIGKILL');
    }
  });

  it('refuses a non-loopback address without a token, with exit code 2', () => {
    const flows = mkdtempSync(join(tmpdir(), 'portflow-serve-e2e-'));
    writeFileSync(join(flows, 'greet.yaml'), 'pipeline:\n  - { name: hello, operation: log }\n');
    const { code, stderr } = portflow('serve', '--workflows', flows, '--host', '0.0.0.0', '--store', join(flows, 'store.db'));
    expect({ code, stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/Refusing/) });
    expect(stderr).toMatch(/Refusing to listen on '0\.0\.0\.0' without a token[\s\S]*hint: pass --token/);
  });
});
