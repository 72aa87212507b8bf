import { ExecutionEngine, GraphDefinition, Operation, Output, type EngineEvent, type LogEntry, type OutputPort } from '@portflow/core';
import { createColors } from 'picocolors';
import { eventLine, logLine, printable, renderFrame, renderSummary } from './render';
import { RunState } from './run-state';

const colors = createColors(false);
const base = { runId: 'r', seq: 1, timestamp: 1_000 };
const steps = [
  { name: 'load', component: 'read_csv' },
  { name: 'fit', component: 'train' },
  { name: 'save', component: 'write_csv' },
];

function stateAfter(events: EngineEvent[]): RunState {
  const state = new RunState(steps, 0);
  for (const event of events) state.apply(event);
  return state;
}

describe('renderFrame', () => {
  it('shows a spinner line with elapsed time per running step, then the done/total bar', () => {
    const state = stateAfter([
      { ...base, type: 'OperationStarted', operationId: 'load', attempt: 1, timestamp: 0 },
      { ...base, type: 'OperationCompleted', operationId: 'load', attempt: 1, durationMs: 500, outputs: {}, timestamp: 500 },
      { ...base, type: 'OperationStarted', operationId: 'fit', attempt: 1, timestamp: 500 },
    ]);
    expect(renderFrame(state, 2_000, '⠋', colors)).toBe(['⠋ fit train 1.50s', '███████░░░░░░░░░░░░░ 1/3 done · 1 running · 1 waiting · 2.00s'].join('\n'));
  });

  it("shows a running step's progress and its latest message live", () => {
    const state = stateAfter([
      { ...base, type: 'OperationStarted', operationId: 'fit', attempt: 1, timestamp: 0 },
      { ...base, type: 'OperationProgress', operationId: 'fit', attempt: 1, fraction: 0.1, message: 'epoch 1/10', data: { epoch: 1 }, timestamp: 100 },
      { ...base, type: 'OperationProgress', operationId: 'fit', attempt: 1, fraction: 0.2, message: 'epoch 2/10 loss 0.4', timestamp: 200 },
    ]);
    expect(renderFrame(state, 1_000, '⠋', colors).split('\n')[0]).toBe('⠋ fit train 1.00s 20% epoch 2/10 loss 0.4');
  });

  it('shows a retrying step with its attempt and the wait, and the cancel notice', () => {
    const state = stateAfter([
      { ...base, type: 'OperationStarted', operationId: 'fit', attempt: 1, timestamp: 0 },
      { ...base, type: 'OperationRetrying', operationId: 'fit', attempt: 2, delayMs: 500, error: { name: 'Error', message: 'boom' }, timestamp: 100 },
    ]);
    state.cancelling = true;
    expect(renderFrame(state, 300, '⠋', colors).split('\n')).toEqual([
      '↻ fit train 300ms retry in 300ms',
      '░░░░░░░░░░░░░░░░░░░░ 0/3 done · 1 retrying · 2 waiting · 300ms',
      'Cancelling: waiting for running steps to stop. Press Ctrl-C again to force.',
    ]);
  });

  it('keeps the frame within the terminal height', () => {
    const state = new RunState(
      Array.from({ length: 30 }, (_, i) => ({ name: `s${i}`, component: 'delay' })),
      0,
    );
    for (let i = 0; i < 30; i++) state.apply({ ...base, type: 'OperationStarted', operationId: `s${i}`, attempt: 1, timestamp: 0 });
    const lines = renderFrame(state, 10, '⠋', colors, 80, 10).split('\n');
    expect(lines).toHaveLength(7);
    expect(lines.at(-2)).toBe('  … and 25 more running');
  });

  it('cuts lines to the terminal width', () => {
    const state = stateAfter([{ ...base, type: 'OperationStarted', operationId: 'load', attempt: 1, timestamp: 0 }]);
    expect(renderFrame(state, 10, '⠋', colors, 10).split('\n')[0]).toBe('⠋ load re…');
  });
});

describe('eventLine', () => {
  it('has a line for completions, restores, retries, final failures, skips and cancellations only', () => {
    const state = new RunState(steps, 0);
    const step = state.steps.get('fit')!;
    const error = { name: 'Error', message: 'boom' };
    expect(eventLine({ ...base, type: 'OperationStarted', operationId: 'fit', attempt: 1 }, step, colors)).toBeUndefined();
    expect(eventLine({ ...base, type: 'OperationCompleted', operationId: 'fit', attempt: 2, durationMs: 1_234, outputs: {} }, step, colors)).toBe('✔ fit train · 1.23s · attempt 2');
    expect(eventLine({ ...base, type: 'OperationRetrying', operationId: 'fit', attempt: 2, delayMs: 100, error }, step, colors)).toBe('↻ fit attempt 1 failed: boom — attempt 2 in 100ms');
    expect(eventLine({ ...base, type: 'OperationRestored', operationId: 'fit', cacheKey: 'k', fromRunId: 'run-1' }, step, colors)).toBe('✔ fit train · restored from run run-1');
    expect(state.apply({ ...base, type: 'OperationRestored', operationId: 'fit', cacheKey: 'k', fromRunId: 'run-1' })).toMatchObject({ status: 'succeeded', detail: 'restored from run run-1' });
    expect(eventLine({ ...base, type: 'OperationFailed', operationId: 'fit', attempt: 1, error, willRetry: true }, step, colors)).toBeUndefined();
    expect(eventLine({ ...base, type: 'OperationFailed', operationId: 'fit', attempt: 3, error, willRetry: false }, step, colors)).toBe('✖ fit failed after 3 attempts: Error: boom');
    expect(eventLine({ ...base, type: 'OperationSkipped', operationId: 'fit', reason: "upstream 'load' failed" }, step, colors)).toBe("↷ fit skipped: upstream 'load' failed");
    const cancelled = { ...base, type: 'OperationCancelled', operationId: 'fit', reason: 'SIGINT received', attempt: 1, interrupted: true } as unknown as EngineEvent;
    expect(eventLine(cancelled, step, colors)).toBe('■ fit cancelled: SIGINT received');
  });
});

describe('logLine', () => {
  const entry = (message: string, fields: Record<string, unknown>, level: LogEntry['level'] = 'info'): LogEntry => ({ level, message, time: 0, fields: { operationId: 'train', ...fields } });

  it('shows a log entry with its step and level', () => {
    expect(logLine(entry('starting', {}), colors)).toBe('› train info starting');
  });

  it("shows a program's output lines with their step, marking stderr", () => {
    expect(logLine(entry('epoch 1 loss 0.3', { stream: 'stdout' }), colors)).toBe('│ train epoch 1 loss 0.3');
    expect(logLine(entry('warning: slow', { stream: 'stderr' }, 'warn'), colors)).toBe('! train warning: slow');
  });

  it('drops cursor movement and control characters from output lines, and colours when colour is off', () => {
    const esc = String.fromCharCode(27);
    const line = `${esc}[2K${esc}[1A${esc}]0;title${String.fromCharCode(7)}${esc}[32mok${esc}[0m\tdone${String.fromCharCode(8)}`;
    expect(logLine(entry(line, { stream: 'stdout' }), colors)).toBe('│ train ok\tdone');
    expect(printable(line, true)).toBe(`${esc}[32mok${esc}[0m\tdone`);
  });
});

describe('renderSummary', () => {
  class One extends Operation {
    @Output(Number) value!: OutputPort<number>;
    execute() {
      return { value: 1 };
    }
  }

  it('prints step, component, status, attempts and duration, then the verdict', async () => {
    const graph = new GraphDefinition({ name: 'demo' }).add(new One({ id: 'load' }), new One({ id: 'fit' }), new One({ id: 'save' }));
    const run = new ExecutionEngine().start(graph);
    const state = new RunState(steps);
    run.events$.subscribe((e) => state.apply(e));
    const result = await run.result;
    const lines = renderSummary(result, state, colors).split('\n');
    expect(lines[0]).toBe('STEP  COMPONENT  STATUS     ATTEMPTS  DURATION');
    expect(lines[1]).toMatch(/^load {2}read_csv {3}succeeded {9}1 +\d+ms$/);
    expect(lines[5]).toMatch(/^✔ demo succeeded: 3\/3 steps in \d+ms$/);
  });
});
