import type { Terminal } from '../terminal';

/** A terminal whose output is kept in strings. */
export function memoryTerminal(options: { cwd?: string; isTTY?: boolean; columns?: number; env?: Record<string, string> } = {}) {
  const out = { stdout: '', stderr: '' };
  const terminal: Terminal = {
    stdout: { write: (s: string) => (out.stdout += s), isTTY: options.isTTY ?? false, ...(options.columns === undefined ? {} : { columns: options.columns }) },
    stderr: { write: (s: string) => (out.stderr += s), isTTY: false },
    env: { NO_COLOR: '1', ...options.env },
    cwd: options.cwd ?? process.cwd(),
  };
  return { terminal, out };
}
