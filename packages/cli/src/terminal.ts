import { createColors } from 'picocolors';

/** A stream the CLI writes to. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Where the CLI reads and writes: the process's own streams, or test doubles. */
export interface Terminal {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** The process's terminal. */
export function processTerminal(): Terminal {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Colour functions, off unless `stream` is a TTY (and NO_COLOR is unset) or FORCE_COLOR is set. */
export type Colors = ReturnType<typeof createColors>;

/** Colours for a stream, honouring NO_COLOR and FORCE_COLOR. */
export function colorsFor(stream: OutputStream, env: Terminal['env'], enabled = true): Colors {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  return createColors(enabled && (forced || (stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb')));
}

/** Milliseconds as a short duration: `850ms`, `1.2s`, `3m 05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}
