import type { EngineEvent, ExecutionResult, LogEntry } from '@portflow/core';
import type { CompiledWorkflow } from '@portflow/workflow';
import type { OutputStream } from '../terminal';
import type { Reporter } from './reporter';

/**
 * NDJSON: one JSON object per line. First `WorkflowLoaded`, then every engine
 * event as the engine emits it, `Log` lines for what steps log,
 * `CancelRequested` on Ctrl-C, and last `RunResult` (the result's `toJSON()`).
 */
export class JsonReporter implements Reporter {
  constructor(private readonly out: OutputStream) {}

  begin(workflow: CompiledWorkflow): void {
    this.line({ type: 'WorkflowLoaded', name: workflow.name, file: workflow.file, form: workflow.form, steps: workflow.steps.map((s) => ({ name: s.name, component: s.component })) });
  }

  onEvent(event: EngineEvent): void {
    this.line(event);
  }

  onLog(entry: LogEntry): void {
    this.line({ type: 'Log', ...entry });
  }

  onCancelRequested(signal: string): void {
    this.line({ type: 'CancelRequested', signal, timestamp: Date.now() });
  }

  finish(result: ExecutionResult): void {
    this.line({ type: 'RunResult', ...result.toJSON() });
  }

  abort(): void {}

  private line(value: object): void {
    this.out.write(`${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
  }
}
