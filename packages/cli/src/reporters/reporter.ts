import type { EngineEvent, ExecutionResult, LogEntry } from '@portflow/core';
import type { CompiledWorkflow } from '@portflow/workflow';

/** Shows a run: the live display on a TTY, plain lines otherwise, or NDJSON. */
export interface Reporter {
  /** The run is about to start. */
  begin(workflow: CompiledWorkflow): void;
  onEvent(event: EngineEvent): void;
  onLog(entry: LogEntry): void;
  /** The user asked to stop (first Ctrl-C). */
  onCancelRequested(signal: string): void;
  /** The run settled; print the summary. */
  finish(result: ExecutionResult): void;
  /** Stop drawing at once (forced exit). */
  abort(): void;
}
