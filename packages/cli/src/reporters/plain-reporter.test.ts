import type { EngineEvent } from '@portflow/core';
import type { CompiledWorkflow } from '@portflow/workflow';
import { createColors } from 'picocolors';
import { PlainReporter } from './plain-reporter';

describe('PlainReporter', () => {
  it('prints progress messages as lines, every tenth of the way rather than every report', () => {
    let text = '';
    const reporter = new PlainReporter({ write: (chunk: string) => void (text += chunk) } as never, createColors(false));
    reporter.begin({ name: 'train', file: 'train.yaml', steps: [{ name: 'fit', component: 'train' }] } as unknown as CompiledWorkflow);
    const base = { runId: 'r', seq: 1, timestamp: 0, operationId: 'fit', attempt: 1 };
    reporter.onEvent({ ...base, type: 'OperationStarted' } as EngineEvent);
    for (let epoch = 1; epoch <= 20; epoch++) {
      reporter.onEvent({ ...base, type: 'OperationProgress', fraction: epoch / 20, message: `epoch ${epoch}/20` } as EngineEvent);
    }
    const progress = text.split('\n').filter((l) => l.includes('… fit'));
    expect(progress).toHaveLength(11); // the first report, then each tenth
    expect(progress[0]).toMatch(/… fit 5% epoch 1\/20$/);
    expect(progress[1]).toMatch(/… fit 10% epoch 2\/20$/);
    expect(progress.at(-1)).toMatch(/… fit 100% epoch 20\/20$/);
  });
});
