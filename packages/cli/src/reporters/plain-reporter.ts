import type { EngineEvent, ExecutionResult, LogEntry } from '@portflow/core';
import type { CompiledWorkflow } from '@portflow/workflow';
import type { Colors, OutputStream } from '../terminal';
import { eventLine, logLine, renderSummary } from './render';
import type { Reporter } from './reporter';
import { RunState } from './run-state';

/** One line per event, for logs and pipes: what started, finished, retried or failed, then the summary table. */
export class PlainReporter implements Reporter {
  private state: RunState | undefined;

  constructor(
    private readonly out: OutputStream,
    private readonly colors: Colors,
  ) {}

  begin(workflow: CompiledWorkflow): void {
    this.state = new RunState(workflow.steps);
    this.out.write(`${this.colors.bold(`Running ${workflow.name}`)} (${workflow.steps.length} steps) from ${workflow.file}\n`);
  }

  onEvent(event: EngineEvent): void {
    const step = this.state?.apply(event);
    if (step === undefined) return;
    if (event.type === 'OperationProgress') {
      const line = this.progressLine(step.name, event.fraction, event.message);
      if (line !== undefined) this.write(line);
      return;
    }
    const line = event.type === 'OperationStarted' ? `${this.colors.cyan('▶')} ${this.colors.bold(step.name)} ${this.colors.dim(`${step.component} · started${event.attempt > 1 ? ` attempt ${event.attempt}` : ''}`)}` : eventLine(event, step, this.colors);
    if (line !== undefined) this.write(line);
  }

  onLog(entry: LogEntry): void {
    this.write(logLine(entry, this.colors));
  }

  onCancelRequested(signal: string): void {
    this.write(this.colors.yellow(`${signal}: cancelling; running steps are asked to stop. Press Ctrl-C again to force.`));
  }

  finish(result: ExecutionResult): void {
    this.out.write(`\n${renderSummary(result, this.state!, this.colors)}`);
  }

  abort(): void {}

  /** Tenths of progress already printed, per step: plain output shows progress every 10 %, not every report. */
  private readonly printedTenths = new Map<string, number>();

  private progressLine(name: string, fraction: number, message: string | undefined): string | undefined {
    const tenth = Math.floor(fraction * 10);
    if (tenth <= (this.printedTenths.get(name) ?? -1)) return undefined;
    this.printedTenths.set(name, tenth);
    return `${this.colors.cyan('…')} ${this.colors.bold(name)} ${Math.round(fraction * 100)}%${message === undefined ? '' : ` ${message}`}`;
  }

  private write(line: string): void {
    const elapsed = this.state === undefined ? 0 : Date.now() - this.state.startedAt;
    this.out.write(`${this.colors.dim(`[${(elapsed / 1000).toFixed(3).padStart(7)}s]`)} ${line}\n`);
  }
}
