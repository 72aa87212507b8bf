import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main';

jest.setTimeout(60_000); // upper bound for a loaded machine, not a wait

it('runs twelve executions through a queue of three, retrying the 429s, and follows one to its end', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portflow-example-service-'));
  const lines: string[] = [];
  try {
    const report = await main(join(dir, 'store.db'), (line) => lines.push(line));
    expect(report.accepted).toBe(12);
    expect(report.retried).toBeGreaterThan(0); // 2 running + 3 queued: the others were answered 429 at first
    expect(report.statuses).toEqual({ succeeded: 12 });
    expect(report.followed).toEqual(['RunStarted', 'OperationStarted pause', 'OperationCompleted pause', 'OperationStarted greet', 'OperationCompleted greet', 'RunCompleted']);
    expect(report.logs).toEqual(['greet: hello, Ada']);
    expect(lines[0]).toMatch(/^service listening on http:\/\/127\.0\.0\.1:\d+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
