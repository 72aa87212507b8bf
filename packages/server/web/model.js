// What the page knows about one execution, built from its event stream.
// Every event touches one step in O(1); the views are told which step changed
// and redraw it on the next animation frame.

export const STEP_STATUSES = ['waiting', 'running', 'retrying', 'succeeded', 'restored', 'failed', 'skipped', 'cancelled'];

export const STATUS_ICONS = {
  waiting: '○',
  running: '▶',
  retrying: '↻',
  succeeded: '✓',
  restored: '⤓',
  failed: '✕',
  skipped: '↷',
  cancelled: '⊘',
};

const FROM_RECORD = { pending: 'waiting', running: 'running', succeeded: 'succeeded', failed: 'failed', skipped: 'skipped', cancelled: 'cancelled' };
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

export function isFinished(status) {
  return TERMINAL.has(status);
}

export class ExecutionModel {
  constructor({ onStep = () => {}, onTimeline = () => {} } = {}) {
    /** @type {Map<string, ReturnType<typeof newStep>>} */
    this.steps = new Map();
    /** Step ids in order of first appearance. */
    this.order = [];
    this.execution = undefined;
    this.counts = Object.fromEntries(STEP_STATUSES.map((status) => [status, 0]));
    /** Earliest and latest event time seen, epoch ms. */
    this.firstTime = undefined;
    this.lastTime = undefined;
    this.runs = [];
    this.onStep = onStep;
    this.onTimeline = onTimeline;
    this.recordsApplied = false;
    this.lastSeq = new Map();
  }

  step(id) {
    let step = this.steps.get(id);
    if (!step) {
      step = newStep(id);
      this.steps.set(id, step);
      this.order.push(id);
      this.counts.waiting++;
    }
    return step;
  }

  /** Declares the workflow's steps, so each shows as waiting before its first event. */
  declare(ids) {
    for (const id of ids) this.step(id);
  }

  setStatus(step, status) {
    if (step.status === status) return;
    this.counts[step.status]--;
    this.counts[status]++;
    step.status = status;
  }

  /** The execution as `GET /executions/:id` gives it (an `execution` or `end` message). */
  setExecution(execution) {
    this.execution = execution;
    if (!this.recordsApplied && Array.isArray(execution.steps)) {
      this.recordsApplied = true;
      for (const record of execution.steps) {
        const step = this.step(record.operationId);
        if (step.status !== 'waiting') continue;
        const status = record.restored ? 'restored' : FROM_RECORD[record.status];
        if (status) this.setStatus(step, status);
        if (record.error) step.error = record.error;
        if (record.reason) step.reason = record.reason;
        this.onStep(step.id);
      }
    }
  }

  /** A `state` message: the execution changed status. */
  setState(state) {
    const execution = { ...(this.execution ?? {}), status: state.status };
    if (state.status === 'running' && !execution.startedAt) execution.startedAt = state.timestamp;
    if (isFinished(state.status) && !execution.finishedAt) execution.finishedAt = state.timestamp;
    if (state.error) execution.error = state.error;
    this.execution = execution;
  }

  /** An `engine` message. */
  apply(event) {
    // each engine event once, even if a reconnect were to send one again
    if (typeof event.seq === 'number' && event.runId !== undefined) {
      if (event.seq <= (this.lastSeq.get(event.runId) ?? 0)) return;
      this.lastSeq.set(event.runId, event.seq);
    }
    const at = event.timestamp;
    if (typeof at === 'number') {
      if (this.firstTime === undefined || at < this.firstTime) this.firstTime = at;
      if (this.lastTime === undefined || at > this.lastTime) this.lastTime = at;
    }
    switch (event.type) {
      case 'RunStarted':
        this.runs.push({ runId: event.runId, start: at, end: undefined, status: undefined });
        return;
      case 'RunCompleted': {
        const run = this.runs.find((r) => r.runId === event.runId);
        if (run) Object.assign(run, { end: at, status: event.status });
        return;
      }
    }
    if (event.operationId === undefined) return;
    const step = this.step(event.operationId);
    switch (event.type) {
      case 'OperationStarted':
        closeWait(step, at);
        step.attempts.push({ attempt: event.attempt, start: at, end: undefined, outcome: 'running' });
        step.attempt = event.attempt;
        step.progress = undefined;
        this.setStatus(step, 'running');
        break;
      case 'OperationProgress':
        step.progress = event.fraction;
        step.progressMessage = event.message ?? undefined;
        break;
      case 'OperationFailed':
        closeAttempt(step, at, 'failed', event.error);
        step.error = event.error;
        this.setStatus(step, event.willRetry ? 'retrying' : 'failed');
        break;
      case 'OperationRetrying':
        closeAttempt(step, at, 'failed', event.error);
        if (!step.waits.some((w) => w.end === undefined)) step.waits.push({ start: at, until: at + (event.delayMs ?? 0), end: undefined, attempt: event.attempt });
        step.error = event.error;
        this.setStatus(step, 'retrying');
        break;
      case 'OperationCompleted':
        closeWait(step, at);
        closeAttempt(step, at, 'succeeded');
        step.durationMs = event.durationMs;
        step.outputs = event.outputs;
        step.progress = undefined;
        this.setStatus(step, 'succeeded');
        break;
      case 'OperationRestored':
        step.restoredFrom = event.fromRunId;
        step.restoredAt = at;
        this.setStatus(step, 'restored');
        break;
      case 'OperationSkipped':
        step.reason = event.reason;
        this.setStatus(step, 'skipped');
        break;
      case 'OperationCancelled':
        closeWait(step, at);
        closeAttempt(step, at, 'cancelled');
        step.reason = event.reason;
        this.setStatus(step, 'cancelled');
        break;
      default:
        return;
    }
    this.onStep(step.id);
    this.onTimeline(step.id);
  }

  /** The `end` message: the execution ended, nothing runs or waits any more. */
  end(execution) {
    this.setExecution(execution);
    if (execution.finishedAt) this.closeOpen(execution.finishedAt);
  }

  closeOpen(at) {
    for (const step of this.steps.values()) {
      const last = step.attempts[step.attempts.length - 1];
      const wait = step.waits[step.waits.length - 1];
      if ((last && last.end === undefined) || (wait && wait.end === undefined)) {
        closeWait(step, at);
        closeAttempt(step, at, 'cancelled');
        this.onTimeline(step.id);
      }
    }
  }
}

function newStep(id) {
  return { id, status: 'waiting', attempt: 0, attempts: [], waits: [], progress: undefined, progressMessage: undefined, error: undefined, reason: undefined, durationMs: undefined, outputs: undefined, restoredFrom: undefined, restoredAt: undefined };
}

function closeAttempt(step, at, outcome, error) {
  const last = step.attempts[step.attempts.length - 1];
  if (last && last.end === undefined) {
    last.end = at;
    last.outcome = outcome;
    if (error) last.error = error;
  }
}

function closeWait(step, at) {
  const wait = step.waits[step.waits.length - 1];
  if (wait && wait.end === undefined) wait.end = at;
}
