import { summarizeError, type RunCounts } from '../events/events';
import { ExecutionResult, type OperationErrorRecord, type OperationRecord, type OperationStatus, type RunStatus } from './execution-result';
import type { RunPlan } from '../engine/run-plan';

/** A finished run's state, as the scheduler kept it (typed arrays indexed by plan position). @internal */
export interface FinishedRunState {
  readonly runId: string;
  readonly plan: RunPlan;
  readonly status: RunStatus;
  readonly reason: string | undefined;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly counts: RunCounts;
  /** Each operation's scheduler state code. */
  readonly states: Uint8Array;
  /** Public status name of each state code. */
  readonly stateNames: readonly OperationStatus[];
  /** The state code meaning "failed". */
  readonly failedState: number;
  readonly attempts: ArrayLike<number>;
  /** Epoch ms, NaN when unknown. */
  readonly operationStartedAt: Float64Array;
  readonly operationFinishedAt: Float64Array;
  readonly reasons: ReadonlyMap<number, string>;
  readonly upstream: ReadonlyMap<number, string>;
  readonly lastErrors: ReadonlyMap<number, { readonly error: unknown; readonly attempt: number }>;
  readonly outputs: readonly unknown[];
  readonly released: Uint8Array;
  /** With a checkpoint store: the run each restored operation came from, by position. */
  readonly restoredFrom?: ReadonlyMap<number, string>;
  /** With a checkpoint store: each operation's cache key, when it has one. */
  readonly cacheKeyOf?: (i: number) => string | undefined;
}

/**
 * Turns a finished run's state into its {@link ExecutionResult}. Errors are
 * collected now; per-operation records are built on first use, since a
 * 100,000-operation run rarely needs them all.
 * @internal
 */
export function buildExecutionResult(state: FinishedRunState): ExecutionResult {
  const { plan, states, failedState, lastErrors } = state;
  const { ids } = plan;
  const n = ids.length;
  const errors: OperationErrorRecord[] = [];
  for (let i = 0; i < n; i++) {
    if (states[i] !== failedState) continue;
    const last = lastErrors.get(i)!;
    errors.push({ operationId: ids[i]!, attempt: last.attempt, ...summarizeError(last.error), error: last.error });
  }
  let records: OperationRecord[] | undefined;
  return new ExecutionResult({
    runId: state.runId,
    graphName: plan.graphName,
    status: state.status,
    reason: state.reason,
    startedAt: state.startedAt,
    finishedAt: state.finishedAt,
    counts: state.counts,
    errors,
    indexById: plan.indexById,
    outputs: state.outputs,
    released: state.released,
    graphOutputs: plan.graphOutputs,
    records: () => (records ??= Array.from({ length: n }, (_, i) => operationRecord(state, i))),
  });
}

function operationRecord(state: FinishedRunState, i: number): OperationRecord {
  const start = state.operationStartedAt[i]!;
  const end = state.operationFinishedAt[i]!;
  const record: { -readonly [K in keyof OperationRecord]: OperationRecord[K] } = {
    operationId: state.plan.ids[i]!,
    status: state.stateNames[state.states[i]!]!,
    attempts: state.attempts[i]!,
    startedAt: Number.isNaN(start) ? null : start,
    finishedAt: Number.isNaN(end) ? null : end,
    durationMs: Number.isNaN(start) || Number.isNaN(end) ? null : end - start,
  };
  const why = state.reasons.get(i);
  if (why !== undefined) record.reason = why;
  const cause = state.upstream.get(i);
  if (cause !== undefined) record.upstreamOperationId = cause;
  if (state.states[i] === state.failedState) record.error = summarizeError(state.lastErrors.get(i)!.error);
  const from = state.restoredFrom?.get(i);
  if (from !== undefined) record.restoredFrom = from;
  const key = state.cacheKeyOf?.(i);
  if (key !== undefined) record.cacheKey = key;
  return record;
}
