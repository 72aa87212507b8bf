import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Terminal } from '../terminal';

/** Runs the tests record go to a store of this test process, not next to the workflows in the repository. */
const TEST_STORE = join(mkdtempSync(join(tmpdir(), 'portflow-cli-store-')), 'store.db');

/** A terminal whose output is kept in strings. */
export function memoryTerminal(options: { cwd?: string; isTTY?: boolean; columns?: number; env?: Record<string, string> } = {}) {
  const out = { stdout: '', stderr: '' };
  const terminal: Terminal = {
    stdout: { write: (s: string) => (out.stdout += s), isTTY: options.isTTY ?? false, ...(options.columns === undefined ? {} : { columns: options.columns }) },
    stderr: { write: (s: string) => (out.stderr += s), isTTY: false },
    env: { NO_COLOR: '1', PORTFLOW_STORE: TEST_STORE, ...options.env },
    cwd: options.cwd ?? process.cwd(),
  };
  return { terminal, out };
}
