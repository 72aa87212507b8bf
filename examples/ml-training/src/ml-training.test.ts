import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutionEngine, ofType, type EngineEvent } from '@portflow/core';
import { USAGE, parseArgs, runCli } from './cli';
import { trainScript } from './script';
import { buildTrainingGraph, trainingInputs } from './training-graph';

const SMALL = { samples: 600, epochs: 60 };

describe('examples/ml-training', () => {
  it('trains a model that beats the majority-class baseline, reporting progress every epoch', async () => {
    const { graph } = buildTrainingGraph();
    const run = new ExecutionEngine().start(graph, { inputs: trainingInputs(SMALL) });
    const events: EngineEvent[] = [];
    run.events$.subscribe((e) => events.push(e));
    const result = await run.result;
    if (!result.isSuccessful()) throw new Error(result.getErrorMessage());
    const { metrics: model, baseline: majority, losses, summary } = result.outputs;
    expect(model.accuracy).toBeGreaterThan(0.85);
    expect(model.accuracy).toBeGreaterThan(majority.accuracy + 0.2);
    expect(model.examples).toBe(150);
    expect(losses).toHaveLength(60);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 2);
    const progress = events.filter((e) => e.type === 'OperationProgress');
    expect(progress).toHaveLength(60);
    expect(progress[9]).toMatchObject({ operationId: 'train', fraction: 10 / 60, message: expect.stringMatching(/^epoch 10\/60 loss \d\.\d{4}$/), data: { epoch: 10, loss: losses[9] } });
    expect(summary).toMatch(/^test accuracy \d+\.\d% \(baseline \d+\.\d%\)/);
  });

  it('is reproducible: the same seed gives the same model', async () => {
    const engine = new ExecutionEngine();
    const first = buildTrainingGraph();
    const second = buildTrainingGraph();
    const inputs = trainingInputs({ ...SMALL, seed: 7 });
    const [a, b] = await Promise.all([engine.run(first.graph, { inputs }), engine.run(second.graph, { inputs })]);
    expect(a.outputs.model).toBeDefined();
    expect(a.outputs.model).toEqual(b.outputs.model);
  });

  it('stops training at once when the run is cancelled through its AbortSignal', async () => {
    const { graph, train } = buildTrainingGraph();
    const controller = new AbortController();
    const run = new ExecutionEngine().start(graph, { inputs: trainingInputs({ samples: 600, epochs: 100_000 }), signal: controller.signal });
    run.events$.pipe(ofType('OperationProgress')).subscribe((e) => {
      if (e.message?.startsWith('epoch 5/')) controller.abort('enough');
    });
    const result = await run.result;
    expect(result).toMatchObject({ status: 'cancelled', reason: 'enough' });
    expect(Object.fromEntries(result.operations.map((op) => [op.operationId, op.status]))).toEqual({
      'input.dataset': 'succeeded',
      'input.testFraction': 'succeeded',
      'input.seed': 'succeeded',
      'input.epochs': 'succeeded',
      'input.learningRate': 'succeeded',
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

describe('the 3-step script with the function API', () => {
  it('trains a model through futures, better than chance', async () => {
    const metrics = await trainScript(400, 40);
    expect(metrics.examples).toBe(400);
    expect(metrics.accuracy).toBeGreaterThan(0.8);
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
    expect(out[0]).toMatch(/^\[\s+0 ms\] run .* started: 12 operations$/);
    expect(out).toContainEqual(expect.stringMatching(/ {3}completed {2}split in \d+ ms -> train: Object, test: Object$/));
    expect(out.filter((l) => l.includes('input.'))).toEqual([]);
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
        const check = (): void => {
          if (!stdout().includes('progress   train')) return;
          child.stdout.off('data', check);
          resolve();
        };
        child.stdout.on('data', check);
        check();
      });
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stdout()).toContain('Run cancelled: interrupted (Ctrl-C)');
      expect(stdout()).toMatch(/ {2}train +cancelled +attempts 1/);
    });
  });
});
