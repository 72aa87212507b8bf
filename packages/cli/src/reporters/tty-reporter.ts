import type { EngineEvent, ExecutionResult, LogEntry } from '@portflow/core';
import type { CompiledWorkflow } from '@portflow/workflow';
import type { Colors, OutputStream } from '../terminal';
import { eventLine, logLine, renderFrame, renderSummary } from './render';
import type { Reporter } from './reporter';
import { RunState } from './run-state';

interface LogUpdate {
  (...text: string[]): void;
  clear(): void;
  done(): void;
}

interface Spinner {
  readonly interval: number;
  readonly frames: readonly string[];
}

/**
 * The live display for a terminal: finished steps, retries, failures and
 * logs scroll by as lines, while the bottom of the screen is redrawn with a
 * spinner line per running step and a done/total bar. Terminal control is
 * log-update's; spinner frames are cli-spinners'.
 */
export class TtyReporter implements Reporter {
  private state: RunState | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private tick = 0;
  /**
   * Lines to print above the live frame. They are written together once the
   * current callback is done, so a program printing a thousand lines at once
   * redraws the frame once, not a thousand times, and no line lands inside it.
   */
  private pending: string[] = [];
  private readonly logUpdate: LogUpdate;
  private readonly spinner: Spinner;

  constructor(
    private readonly out: OutputStream & NodeJS.WritableStream,
    private readonly colors: Colors,
  ) {
    // Both are ES modules; Node 20.19+ loads them with require().
    const { createLogUpdate } = require('log-update') as { createLogUpdate(stream: NodeJS.WritableStream, options?: { showCursor?: boolean }): LogUpdate }; // eslint-disable-line @typescript-eslint/no-require-imports
    const spinners = (require('cli-spinners') as { default: Record<string, Spinner> }).default; // eslint-disable-line @typescript-eslint/no-require-imports
    this.logUpdate = createLogUpdate(out, { showCursor: false });
    this.spinner = spinners.dots!;
  }

  begin(workflow: CompiledWorkflow): void {
    this.state = new RunState(workflow.steps);
    this.out.write(`${this.colors.bold(`Running ${workflow.name}`)} ${this.colors.dim(`(${workflow.steps.length} steps, ${workflow.file})`)}\n`);
    this.timer = setInterval(() => this.render(), this.spinner.interval);
    this.render();
  }

  onEvent(event: EngineEvent): void {
    const step = this.state?.apply(event);
    if (step === undefined) return;
    const line = eventLine(event, step, this.colors);
    if (line !== undefined) this.persist(line);
  }

  onLog(entry: LogEntry): void {
    this.persist(logLine(entry, this.colors));
  }

  onCancelRequested(): void {
    this.state!.cancelling = true;
    this.render();
  }

  finish(result: ExecutionResult): void {
    this.stop();
    this.flush();
    this.logUpdate.clear();
    this.out.write(`\n${renderSummary(result, this.state!, this.colors)}`);
  }

  abort(): void {
    this.flush();
    this.stop();
    this.logUpdate.done();
  }

  private persist(line: string): void {
    if (this.pending.push(line) === 1) queueMicrotask(() => this.flush());
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.join('\n');
    this.pending = [];
    this.logUpdate.clear();
    this.out.write(`${text}\n`);
    if (this.timer !== undefined) this.render();
  }

  private render(): void {
    if (this.state === undefined) return;
    const frame = this.spinner.frames[this.tick++ % this.spinner.frames.length]!;
    this.logUpdate(renderFrame(this.state, Date.now(), frame, this.colors, this.out.columns || 80, (this.out as { rows?: number }).rows || 24));
  }

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
