import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutionEngine, ofType, type EngineEvent } from '@portflow/core';
import { USAGE, parseArgs, runCli } from './cli';
import { buildTrainingGraph } from './training-graph';

const SMALL = { samples: 600, epochs: 60 };

describe('examples/ml-training', () => {
  it('trains a model that beats the majority-class baseline, reporting progress every epoch', async () => {
    const { graph, train, evaluation, baseline, compare } = buildTrainingGraph(SMALL);
    const run = new ExecutionEngine().start(graph);
    const events: EngineEvent[] = [];
    run.events$.subscribe((e) => events.push(e));
    const result = await run.result;
    expect(result.status).toBe('succeeded');
    const model = result.getOutput(evaluation, 'metrics')!;
    const majority = result.getOutput(baseline, 'metrics')!;
    expect(model.accuracy).toBeGreaterThan(0.85);
    expect(model.accuracy).toBeGreaterThan(majority.accuracy + 0.2);
    expect(model.examples).toBe(150);
    const losses = result.getOutput(train, 'losses')!;
    expect(losses).toHaveLength(60);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 2);
    const progress = events.filter((e) => e.type === 'OperationProgress');
    expect(progress).toHaveLength(60);
    expect(progress[9]).toMatchObject({ operationId: 'train', fraction: 10 / 60, message: expect.stringMatching(/^epoch 10\/60 loss \d\.\d{4}$/) });
    expect(result.getOutput(compare, 'summary')).toMatch(/^test accuracy \d+\.\d% \(baseline \d+\.\d%\)/);
  });

  it('is reproducible: the same seed gives the same model', async () => {
    const engine = new ExecutionEngine();
    const first = buildTrainingGraph({ ...SMALL, seed: 7 });
    const second = buildTrainingGraph({ ...SMALL, seed: 7 });
    const [a, b] = await Promise.all([engine.run(first.graph), engine.run(second.graph)]);
    expect(a.getOutput(first.train, 'model')).toEqual(b.getOutput(second.train, 'model'));
  });

  it('stops training at once when the run is cancelled through its AbortSignal', async () => {
    const { graph, train } = buildTrainingGraph({ samples: 600, epochs: 100_000 });
    const controller = new AbortController();
    const run = new ExecutionEngine().start(graph, { signal: controller.signal });
    run.events$.pipe(ofType('OperationProgress')).subscribe((e) => {
      if (e.message?.startsWith('epoch 5/')) controller.abort('enough');
    });
    const result = await run.result;
    expect(result).toMatchObject({ status: 'cancelled', reason: 'enough' });
    expect(Object.fromEntries(result.operations.map((op) => [op.operationId, op.status]))).toEqual({
      load: 'succeeded',
      split: 'succeeded',
      fitScaler: 'succeeded',
      baseline: 'succeeded',
      train: 'cancelled',
      evaluate: 'cancelled',
      compare: 'cancelled',
    });
    expect(result.getRecord(train).attempts).toBe(1);
  });
});

describe('the ml-training command', () => {
  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, output: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
  }

  it('prints events, the metrics and a table of operations, and exits 0', async () => {
    const { out, output } = capture();
    expect(await runCli(['--samples=600', '--epochs=40'], output)).toBe(0);
    expect(out[0]).toMatch(/^\[\s+0 ms\] run .* started: 7 operations$/);
    expect(out.filter((l) => l.includes('progress   train'))).toHaveLength(11); // the first epoch, then every tenth up to 100%
    expect(out).toContainEqual(expect.stringMatching(/^test accuracy /));
    expect(out).toContainEqual(expect.stringMatching(/^training loss 0\.6931 -> 0\.\d{4} over 40 epochs$/));
    expect(out.at(-3)).toMatch(/^ {2}train +succeeded +attempts 1 +\d+ ms$/);
  });

  it('cancels on Ctrl-C, exits 130 and stops listening for SIGINT', async () => {
    const listeners = process.listenerCount('SIGINT');
    const { out, err, output } = capture();
    const exit = runCli(['--samples=600', '--epochs=100000'], {
      ...output,
      out: (line) => {
        output.out(line);
        if (line.includes('progress   train')) process.emit('SIGINT');
      },
    });
    expect(await exit).toBe(130);
    expect(err).toEqual(['Ctrl-C: cancelling the run (press again to exit at once)']);
    expect(out).toContainEqual(expect.stringMatching(/run cancelled \(interrupted \(Ctrl-C\)\)/));
    expect(out).toContain('Run cancelled: interrupted (Ctrl-C)');
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });

  it('rejects bad arguments with the usage, exit 2', async () => {
    const { err, output } = capture();
    expect(await runCli(['--epochs=many'], output)).toBe(2);
    expect(err[0]).toContain(USAGE);
    expect(parseArgs(['--learning-rate=0.1', '--seed=3'])).toEqual({ learningRate: 0.1, seed: 3 });
    expect(() => parseArgs(['--verbose'])).toThrow("bad argument '--verbose'");
  });

  describe('built (dist/main.js), as a process', () => {
    const main = join(__dirname, '..', 'dist', 'main.js');

    function start(args: string[]) {
      if (!existsSync(main)) throw new Error(`${main} is missing: build first (npm test builds before running jest)`);
      const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      return { child, exited, stdout: () => stdout };
    }

    it('trains and exits 0', async () => {
      const { exited, stdout } = start(['--samples=600', '--epochs=30']);
      expect(await exited).toBe(0);
      expect(stdout()).toMatch(/test accuracy \d+\.\d%/);
    });

    it('is cancelled by a real SIGINT and exits 130', async () => {
      const { child, exited, stdout } = start(['--samples=600', '--epochs=100000']);
      await new Promise<void>((resolve) => {
        const check = (): void => (stdout().includes('progress   train') ? resolve() : void setTimeout(check, 10));
        check();
      });
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stdout()).toContain('Run cancelled: interrupted (Ctrl-C)');
      expect(stdout()).toMatch(/ {2}train +cancelled +attempts 1/);
    });
  });
});
