import type { EngineEvent } from '@portflow/core';

/** Where a step is, as the CLI shows it. */
export type StepStatus = 'pending' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** What the CLI knows of one step. */
export interface StepState {
  readonly name: string;
  readonly component: string;
  status: StepStatus;
  /** Attempts started. */
  attempts: number;
  /** Epoch ms of the first attempt's start. */
  startedAt?: number;
  durationMs?: number;
  /** When a retry is waiting: epoch ms of the next attempt. */
  retryAt?: number;
  /** Last error message, or why it was skipped or cancelled. */
  detail?: string;
  /** Last reported progress, 0..1. */
  fraction?: number;
  /** Message of the last progress report, shown next to the running step. */
  progressMessage?: string;
  /** Files the step reported writing (progress data `{ wrote: [...] }`). */
  wrote?: string[];
}

/** Step counts for the summary bar. */
export interface StepCounts {
  readonly total: number;
  readonly done: number;
  readonly running: number;
  readonly retrying: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  readonly cancelled: number;
}

/**
 * The steps of a run, updated from engine events. Events about operations
 * that are not steps (literal inputs) are ignored.
 */
export class RunState {
  readonly steps = new Map<string, StepState>();
  readonly startedAt: number;
  cancelling = false;

  constructor(steps: readonly { name: string; component: string }[], now = Date.now()) {
    for (const { name, component } of steps) this.steps.set(name, { name, component, status: 'pending', attempts: 0 });
    this.startedAt = now;
  }

  /** Applies an event; returns the step it concerns, if it is one. */
  apply(event: EngineEvent): StepState | undefined {
    if (!('operationId' in event)) return undefined;
    const step = this.steps.get(event.operationId);
    if (step === undefined) return undefined;
    switch (event.type) {
      case 'OperationStarted':
        step.status = 'running';
        step.attempts = event.attempt;
        step.startedAt ??= event.timestamp;
        step.retryAt = undefined;
        step.progressMessage = undefined;
        break;
      case 'OperationProgress':
        step.fraction = event.fraction;
        step.progressMessage = event.message;
        if (Array.isArray(event.data?.wrote)) (step.wrote ??= []).push(...event.data.wrote.filter((p): p is string => typeof p === 'string'));
        break;
      case 'OperationRetrying':
        step.status = 'retrying';
        step.retryAt = event.timestamp + event.delayMs;
        step.detail = event.error.message;
        break;
      case 'OperationFailed':
        step.detail = event.error.message;
        if (!event.willRetry) {
          step.status = 'failed';
          step.durationMs = step.startedAt === undefined ? undefined : event.timestamp - step.startedAt;
        }
        break;
      case 'OperationCompleted':
        step.status = 'succeeded';
        step.durationMs = event.durationMs;
        step.detail = undefined;
        break;
      case 'OperationRestored':
        step.status = 'succeeded';
        step.durationMs = 0;
        step.detail = `restored from run ${event.fromRunId}`;
        break;
      case 'OperationSkipped':
        step.status = 'skipped';
        step.detail = event.reason;
        break;
      case 'OperationCancelled':
        step.status = 'cancelled';
        step.detail = event.reason;
        if (step.startedAt !== undefined) step.durationMs = event.timestamp - step.startedAt;
        break;
    }
    return step;
  }

  counts(): StepCounts {
    const c = { total: this.steps.size, done: 0, running: 0, retrying: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
    for (const step of this.steps.values()) {
      if (step.status === 'running') c.running++;
      else if (step.status === 'retrying') c.retrying++;
      else if (step.status !== 'pending') {
        c.done++;
        c[step.status]++;
      }
    }
    return c;
  }
}
