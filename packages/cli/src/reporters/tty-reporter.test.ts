import type { EngineEvent, LogEntry } from '@portflow/core';
import type { CompiledWorkflow } from '@portflow/workflow';
import { createColors } from 'picocolors';
import { TtyReporter } from './tty-reporter';

// log-update and cli-spinners are ES modules jest cannot require: stand-ins that show what is drawn.
jest.mock('log-update', () => ({
  createLogUpdate: (stream: { write(text: string): unknown }) =>
    Object.assign((text: string) => stream.write(`[frame] ${text}`), { clear: () => stream.write('[clear]'), done: () => undefined }),
}));
jest.mock('cli-spinners', () => ({ default: { dots: { interval: 80, frames: ['⠋'] } } }));

/** A terminal that records each write. */
function fakeTerminal() {
  const writes: string[] = [];
  const stream = { isTTY: true, columns: 80, rows: 24, write: (chunk: string) => writes.push(chunk) > 0 };
  return { stream: stream as unknown as NodeJS.WriteStream, writes };
}

describe('TtyReporter', () => {
  it("writes a burst of output lines above the live frame at once, the frame drawn after them", async () => {
    const { stream, writes } = fakeTerminal();
    const reporter = new TtyReporter(stream, createColors(false));
    reporter.begin({ name: 'train', file: 'train.yaml', steps: [{ name: 'fit', component: 'command' }] } as unknown as CompiledWorkflow);
    reporter.onEvent({ runId: 'r', seq: 1, timestamp: Date.now(), operationId: 'fit', attempt: 1, type: 'OperationStarted' } as EngineEvent);
    const before = writes.length;
    for (let i = 1; i <= 100; i++) reporter.onLog({ level: 'info', message: `epoch ${i}`, time: 0, fields: { operationId: 'fit', stream: 'stdout' } } as LogEntry);
    expect(writes.length).toBe(before); // nothing yet: the lines go out together
    await Promise.resolve();
    const [clear, lines, frame, ...rest] = writes.slice(before);
    expect(clear).toBe('[clear]');
    expect(lines).toBe(`${Array.from({ length: 100 }, (_, i) => `│ fit epoch ${i + 1}`).join('\n')}\n`);
    expect(frame).toMatch(/^\[frame\] ⠋ fit command .*1 running/s);
    expect(rest).toEqual([]);
    reporter.abort();
  });
});
