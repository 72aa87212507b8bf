import { isAbsolute, relative } from 'node:path';
import type { EngineEvent, ExecutionResult, LogEntry } from '@portflow/core';
import { formatDuration, type Colors } from '../terminal';
import type { RunState, StepState } from './run-state';

/** An ANSI colour/style sequence (ESC [ ... m). */
const ANSI_STYLE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/**
 * The line a finished attempt, a retry, a skip or a cancellation leaves in
 * the output (undefined for events that leave none). Shared by the live and
 * the plain display.
 */
export function eventLine(event: EngineEvent, step: StepState, colors: Colors): string | undefined {
  const name = colors.bold(step.name);
  switch (event.type) {
    case 'OperationCompleted':
      return `${colors.green('✔')} ${name} ${colors.dim(`${step.component} · ${formatDuration(event.durationMs)}${event.attempt > 1 ? ` · attempt ${event.attempt}` : ''}`)}`;
    case 'OperationRestored':
      return `${colors.green('✔')} ${name} ${colors.dim(`${step.component} · restored from run ${event.fromRunId}`)}`;
    case 'OperationRetrying':
      return `${colors.yellow('↻')} ${name} attempt ${event.attempt - 1} failed: ${event.error.message} ${colors.dim(`— attempt ${event.attempt} in ${formatDuration(event.delayMs)}`)}`;
    case 'OperationFailed':
      return event.willRetry ? undefined : `${colors.red('✖')} ${name} ${colors.red(`failed after ${event.attempt} attempt${event.attempt === 1 ? '' : 's'}: ${event.error.name}: ${event.error.message}`)}`;
    case 'OperationSkipped':
      return `${colors.dim(`↷ ${step.name} skipped: ${event.reason}`)}`;
    case 'OperationCancelled':
      return `${colors.yellow('■')} ${name} ${colors.yellow(`cancelled: ${event.reason}`)}`;
    default:
      return undefined;
  }
}

const ESC = String.fromCharCode(27);
const BEL = String.fromCharCode(7);
/**
 * Escape sequences (CSI such as colours and cursor moves, OSC such as
 * titles and links, and two-character ones) and control characters other
 * than tab: what a program's output may carry that would move the cursor
 * or garble the live display.
 */
const TERMINAL_CONTROL = new RegExp(
  `${ESC}\\[[0-?]*[ -/]*[@-~]|${ESC}\\][^${BEL}${ESC}]*(?:${BEL}|${ESC}\\\\)?|${ESC}[@-_]?|[${String.fromCharCode(0)}-${String.fromCharCode(8)}${String.fromCharCode(11)}-${String.fromCharCode(31)}${String.fromCharCode(127)}]`,
  'g',
);
const STYLE_ONLY = new RegExp(`^${ESC}\\[[0-9;]*m$`);

/** `text` without terminal control: colour sequences stay only when `keepStyles`. */
export function printable(text: string, keepStyles: boolean): string {
  return text.replace(TERMINAL_CONTROL, (sequence) => (keepStyles && STYLE_ONLY.test(sequence) ? sequence : ''));
}

/**
 * A line for a log entry an operation wrote. A line of a program's output
 * (a `command` step's, with `fields.stream`) reads `│ step text` for stdout
 * and `! step text` for stderr, cleaned of cursor movement and control
 * characters; other entries read `› step level message`.
 */
export function logLine(entry: LogEntry, colors: Colors): string {
  const step = typeof entry.fields.operationId === 'string' ? entry.fields.operationId : 'engine';
  const stream = entry.fields.stream;
  if (stream === 'stdout' || stream === 'stderr') {
    const text = printable(entry.message, colors.isColorSupported);
    const mark = stream === 'stdout' ? colors.dim('│') : colors.yellow('!');
    // A colour the program left on ends with its line.
    return `${mark} ${colors.bold(step)} ${text}${text.includes(ESC) ? `${ESC}[0m` : ''}`;
  }
  const level = entry.level === 'error' ? colors.red(entry.level) : entry.level === 'warn' ? colors.yellow(entry.level) : colors.dim(entry.level);
  return `${colors.cyan('›')} ${colors.bold(step)} ${level} ${entry.message}`;
}

/**
 * The live part of the display: a line per running or retrying step (spinner,
 * elapsed time, attempt) and a summary bar of done/total.
 */
export function renderFrame(state: RunState, now: number, spinner: string, colors: Colors, width = 80, height = 24): string {
  const lines: string[] = [];
  const active = [...state.steps.values()].filter((s) => s.status === 'running' || s.status === 'retrying');
  // Keep the frame on screen: the bar, the cancel notice and a "more" line need room too.
  const room = Math.max(1, height - 4);
  const shown = active.length > room ? active.slice(0, room - 1) : active;
  const nameWidth = Math.min(28, Math.max(0, ...shown.map((s) => s.name.length)));
  for (const step of shown) {
    const elapsed = step.startedAt === undefined ? '' : formatDuration(now - step.startedAt);
    const attempt = step.attempts > 1 ? colors.yellow(` attempt ${step.attempts}`) : '';
    const fraction = step.fraction !== undefined && step.status === 'running' ? ` ${Math.round(step.fraction * 100)}%` : '';
    const icon = step.status === 'retrying' ? colors.yellow('↻') : colors.cyan(spinner);
    const waiting = step.status === 'retrying' && step.retryAt !== undefined ? colors.yellow(` retry in ${formatDuration(Math.max(0, step.retryAt - now))}`) : '';
    const message = step.progressMessage !== undefined && step.status === 'running' ? ` ${colors.dim(step.progressMessage)}` : '';
    lines.push(truncate(`${icon} ${step.name.padEnd(nameWidth)} ${colors.dim(step.component)} ${elapsed}${fraction}${message}${attempt}${waiting}`, width));
  }
  if (shown.length < active.length) lines.push(colors.dim(`  … and ${active.length - shown.length} more running`));
  const c = state.counts();
  const barWidth = 20;
  const filled = c.total === 0 ? barWidth : Math.round((c.done / c.total) * barWidth);
  const bar = colors.green('█'.repeat(filled)) + colors.dim('░'.repeat(barWidth - filled));
  const parts = [`${c.done}/${c.total} done`];
  if (c.running > 0) parts.push(`${c.running} running`);
  if (c.retrying > 0) parts.push(colors.yellow(`${c.retrying} retrying`));
  if (c.failed > 0) parts.push(colors.red(`${c.failed} failed`));
  if (c.skipped > 0) parts.push(`${c.skipped} skipped`);
  const waiting = c.total - c.done - c.running - c.retrying;
  if (waiting > 0 && c.done + c.running + c.retrying > 0) parts.push(colors.dim(`${waiting} waiting`));
  parts.push(formatDuration(now - state.startedAt));
  lines.push(`${bar} ${parts.join(' · ')}`);
  if (state.cancelling) lines.push(colors.yellow('Cancelling: waiting for running steps to stop. Press Ctrl-C again to force.'));
  return lines.join('\n');
}

/** The closing table: step, component, status, attempts, duration; then a one-line verdict. */
export function renderSummary(result: ExecutionResult, state: RunState, colors: Colors): string {
  const rows = [...state.steps.values()].map((step) => {
    const record = result.getRecord(step.name);
    const duration = record.durationMs === null ? '-' : formatDuration(record.durationMs);
    return [step.name, step.component, record.restoredFrom === undefined ? record.status : 'restored', String(record.attempts), duration];
  });
  const header = ['STEP', 'COMPONENT', 'STATUS', 'ATTEMPTS', 'DURATION'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const paint = (status: string, text: string): string =>
    status === 'succeeded' ? colors.green(text) : status === 'failed' ? colors.red(text) : status === 'cancelled' ? colors.yellow(text) : colors.dim(text);
  const format = (cells: string[], style?: (i: number, text: string) => string): string =>
    cells
      .map((cell, i) => {
        const padded = i === 3 || i === 4 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
        return style ? style(i, padded) : padded;
      })
      .join('  ')
      .trimEnd();
  const lines = [colors.bold(format(header)), ...rows.map((r) => format(r, (i, text) => (i === 2 ? paint(r[2]!, text) : text)))];
  const c = state.counts();
  const duration = formatDuration(result.durationMs);
  const verdict =
    result.status === 'succeeded'
      ? colors.green(`✔ ${result.graphName} succeeded: ${c.succeeded}/${c.total} steps in ${duration}`)
      : result.status === 'cancelled'
        ? colors.yellow(`■ ${result.graphName} cancelled after ${duration}: ${c.succeeded}/${c.total} steps succeeded`)
        : colors.red(`✖ ${result.graphName} failed in ${duration}: ${c.failed} step${c.failed === 1 ? '' : 's'} failed, ${c.succeeded}/${c.total} succeeded`);
  const written = [...state.steps.values()].flatMap((step) => (step.wrote ?? []).map((path) => `  ${displayPath(path)} ${colors.dim(`(${step.name})`)}`));
  const files = written.length === 0 ? '' : `\n${colors.bold('Wrote')}\n${written.join('\n')}\n`;
  return `${lines.join('\n')}\n${files}\n${verdict}\n`;
}

/** A path as the user would type it: relative to the current directory when inside it. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

function truncate(text: string, width: number): string {
  // Only plain text is measured; colour codes are zero-width.
  const visible = text.replace(ANSI_STYLE, '');
  if (visible.length <= width) return text;
  return visible.slice(0, Math.max(1, width - 1)) + '…';
}
