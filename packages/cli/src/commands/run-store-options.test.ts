import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRunStore } from '@portflow/store';
import { EXIT_CODES, main } from '../index';
import { memoryTerminal } from '../__fixtures__/terminal';

const dir = mkdtempSync(join(tmpdir(), 'portflow-cli-checkpoint-'));
const store = join(dir, 'runs.db');
const workflow = join(dir, 'two-steps.yaml');
writeFileSync(workflow, 'name: two_steps\npipeline:\n  - { name: make, operation: constant, params: { value: 7 } }\n  - { name: show, operation: log, depends_on: [make] }\n');
const noSignals = { on: () => undefined, off: () => undefined };

async function cli(...args: string[]) {
  const { terminal, out } = memoryTerminal({ cwd: dir, env: { PORTFLOW_STORE: store } });
  const code = await main(args, { terminal, signals: noSignals, forceExit: () => undefined });
  return { code, ...out };
}

async function latestRecords(): Promise<string[]> {
  const runs = await openRunStore(store);
  try {
    const [latest] = (await runs.listRuns({ limit: 1 })).runs;
    return (await runs.operations(latest!.runId)).map((op) => `${op.operationId} ${op.status}`);
  } finally {
    await runs.close();
  }
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('portflow run --checkpoint', () => {
  it('records every step with an interval (handed over at the end at the latest) and none with off', async () => {
    expect((await cli('run', workflow, '--checkpoint', '30s', '--no-progress')).code).toBe(EXIT_CODES.success);
    expect(await latestRecords()).toEqual(['make succeeded', 'show succeeded']);
    expect((await cli('run', workflow, '--checkpoint', 'off', '--no-progress')).code).toBe(EXIT_CODES.success);
    expect(await latestRecords()).toEqual([]);
    expect((await cli('run', workflow, '--checkpoint', 'step', '--no-progress')).code).toBe(EXIT_CODES.success);
    expect(await latestRecords()).toEqual(['make succeeded', 'show succeeded']);
  });

  it('says what it accepts, and that it needs a store', async () => {
    expect(await cli('run', workflow, '--checkpoint', 'often')).toMatchObject({
      code: EXIT_CODES.invalidInput,
      stderr: expect.stringContaining("--checkpoint must be 'step' (after each step, the default), 'off', or an interval such as 30s or 5m, not 'often'"),
    });
    expect(await cli('run', workflow, '--checkpoint', '0s')).toMatchObject({ code: EXIT_CODES.invalidInput });
    expect(await cli('run', workflow, '--checkpoint', 'off', '--no-store')).toMatchObject({ code: EXIT_CODES.invalidInput, stderr: expect.stringContaining('--checkpoint needs a run store') });
  });
});

describe('portflow runs show --events', () => {
  it("replays a run's journal in order, as a table and as JSON", async () => {
    expect((await cli('run', workflow, '--no-progress')).code).toBe(EXIT_CODES.success);
    const runs = await openRunStore(store);
    const [latest] = (await runs.listRuns({ limit: 1 })).runs;
    await runs.close();
    const shown = await cli('runs', 'show', latest!.runId, '--events');
    expect(shown.code).toBe(EXIT_CODES.success);
    expect(shown.stdout).toMatch(/Journal \(\d+ events\):/);
    const lines = shown.stdout.slice(shown.stdout.indexOf('Journal')).split('\n');
    expect(lines.filter((l) => /^\d+\s/.test(l)).map((l) => l.split(/\s+/).slice(2, 4).join(' '))).toEqual([
      'RunStarted graphName=two_steps',
      'OperationStarted make',
      'OperationCompleted make',
      'OperationStarted show',
      'OperationCompleted show',
      'RunCompleted status=succeeded',
    ]);
    const json = JSON.parse((await cli('runs', 'show', latest!.runId, '--events', '--json')).stdout) as { events: { seq: number; type: string }[] };
    expect(json.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('portflow runs show and prune options', () => {
  it('honour --store and --json after the subcommand', async () => {
    const other = join(dir, 'other.db');
    const { terminal, out } = memoryTerminal({ cwd: dir, env: {} });
    expect(await main(['run', workflow, '--store', other, '--no-progress'], { terminal, signals: noSignals, forceExit: () => undefined })).toBe(EXIT_CODES.success);
    const runs = await openRunStore(other);
    const [only] = (await runs.listRuns({ limit: 1 })).runs;
    await runs.close();
    const shown = memoryTerminal({ cwd: dir, env: {} });
    expect(await main(['runs', 'show', only!.runId, '--store', other, '--json'], { terminal: shown.terminal, signals: noSignals, forceExit: () => undefined })).toBe(EXIT_CODES.success);
    expect(JSON.parse(shown.out.stdout)).toMatchObject({ store: other, run: { runId: only!.runId } });
    const pruned = memoryTerminal({ cwd: dir, env: {} });
    expect(await main(['runs', 'prune', '--older-than', '0m', '--store', other, '--json'], { terminal: pruned.terminal, signals: noSignals, forceExit: () => undefined })).toBe(EXIT_CODES.success);
    expect(JSON.parse(pruned.out.stdout)).toMatchObject({ runs: [only!.runId] });
    expect(out.stderr).toBe('');
  });
});
