import type { JournalEvent, RecordedOperation, RunRecord, RunStore, StoredRunStatus } from '@portflow/store';
import { STORED_RUN_STATUSES } from '@portflow/store';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { formatDuration, type Terminal } from '../terminal';
import { InputError } from '../workflow-input';
import { parseAge } from './age';
import { openStore, storeLocation } from './store-location';

/** Options of `portflow runs`, `runs show` and `runs prune`. */
export interface RunsOptions {
  store?: string;
  workflow?: string;
  status?: string;
  limit?: string;
  json?: boolean;
  /** `runs show --events`: replay the run's journal too. */
  events?: boolean;
}

/** `portflow runs [file]`: the recorded runs, newest first. */
export async function listRunsCommand(file: string | undefined, options: RunsOptions, terminal: Terminal): Promise<ExitCode> {
  const status = options.status;
  if (status !== undefined && !STORED_RUN_STATUSES.includes(status as StoredRunStatus)) {
    throw new InputError(`portflow: --status must be one of ${STORED_RUN_STATUSES.join(', ')}, not '${status}'`);
  }
  const limit = options.limit === undefined ? 20 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new InputError(`portflow: --limit must be a whole number >= 1, not '${options.limit}'`);
  const location = storeLocation(options.store, terminal.env, file);
  const store = await openStore(location);
  try {
    const page = await store.listRuns({ ...(options.workflow === undefined ? {} : { workflow: options.workflow }), ...(status === undefined ? {} : { status: status as StoredRunStatus }), limit });
    if (options.json) {
      terminal.stdout.write(`${JSON.stringify({ store: location, runs: page.runs })}\n`);
      return EXIT_CODES.success;
    }
    if (page.runs.length === 0) {
      terminal.stdout.write(`No runs recorded in ${location}.\n`);
      return EXIT_CODES.success;
    }
    const rows = page.runs.map((run) => [run.runId, run.workflow, run.status, new Date(run.startedAt).toISOString(), run.finishedAt === null ? '-' : formatDuration(run.finishedAt - run.startedAt), run.resumedFrom ?? '']);
    terminal.stdout.write(table(['run', 'workflow', 'status', 'started', 'duration', 'resumed from'], rows));
    if (page.next !== undefined) terminal.stdout.write(`(more: --limit ${limit * 2})\n`);
    return EXIT_CODES.success;
  } finally {
    await store.close();
  }
}

/** `portflow runs show <id>`: a run's steps, their cache keys, and why each was or was not reused. */
export async function showRunCommand(runId: string, options: RunsOptions, terminal: Terminal): Promise<ExitCode> {
  const location = storeLocation(options.store, terminal.env);
  const store = await openStore(location);
  try {
    const run = await store.getRun(runId);
    if (run === undefined) throw new InputError(`portflow: no run '${runId}' in ${location}; list them with 'portflow runs'`);
    const steps = (await store.operations(runId)).sort((a, b) => (a.startedAt ?? Infinity) - (b.startedAt ?? Infinity) || a.operationId.localeCompare(b.operationId));
    const earlier = run.resumedFrom === undefined ? undefined : new Map((await store.operations(run.resumedFrom)).map((op) => [op.operationId, op]));
    const explained = steps.map((op) => ({ ...op, reuse: reuseExplanation(op, run, earlier) }));
    const events = options.events ? await journal(store, runId) : undefined;
    if (options.json) {
      terminal.stdout.write(`${JSON.stringify({ store: location, run, steps: explained, ...(events === undefined ? {} : { events }) })}\n`);
      return EXIT_CODES.success;
    }
    terminal.stdout.write(`Run ${run.runId} of ${run.workflow}: ${run.status}, started ${new Date(run.startedAt).toISOString()}${run.finishedAt === null ? '' : `, took ${formatDuration(run.finishedAt - run.startedAt)}`}${run.resumedFrom === undefined ? '' : `, resumed ${run.resumedFrom}`}\n`);
    if (run.reason !== undefined) terminal.stdout.write(`Stopped: ${run.reason}\n`);
    const rows = explained.map((op) => [op.operationId, op.status, String(op.attempts), op.startedAt === null || op.finishedAt === null ? '-' : formatDuration(op.finishedAt - op.startedAt), op.cacheKey?.slice(0, 12) ?? '-', op.reuse]);
    terminal.stdout.write(table(['step', 'status', 'attempts', 'duration', 'cache key', 'reuse'], rows));
    for (const op of explained) if (op.error !== undefined) terminal.stdout.write(`${op.operationId}: ${op.error.name}: ${op.error.message}\n`);
    if (events !== undefined) {
      terminal.stdout.write(`\nJournal (${events.length === 1 ? '1 event' : `${events.length} events`}):\n`);
      terminal.stdout.write(table(['seq', 'at', 'event', 'step', 'details'], events.map((e) => journalRow(e, run.startedAt))));
    }
    return EXIT_CODES.success;
  } finally {
    await store.close();
  }
}

/** `portflow runs prune --older-than 30d`: removes old runs and the blobs only they referenced. */
export async function pruneRunsCommand(options: RunsOptions & { olderThan?: string }, terminal: Terminal): Promise<ExitCode> {
  const age = parseAge(options.olderThan);
  const location = storeLocation(options.store, terminal.env);
  const store = await openStore(location);
  try {
    const pruned = await store.prune({ olderThan: Date.now() - age });
    if (options.json) terminal.stdout.write(`${JSON.stringify({ store: location, ...pruned })}\n`);
    else terminal.stdout.write(`Removed ${pruned.runs.length} run${pruned.runs.length === 1 ? '' : 's'} and ${pruned.blobs.length} blob${pruned.blobs.length === 1 ? '' : 's'} from ${location}.\n`);
    return EXIT_CODES.success;
  } finally {
    await store.close();
  }
}

/** Why a step of `run` was restored or ran, from its record and the resumed run's. */
export function reuseExplanation(op: RecordedOperation, run: RunRecord, earlier: ReadonlyMap<string, RecordedOperation> | undefined): string {
  if (op.restored) return `restored from run ${op.restoredFrom ?? '?'} (same cache key)`;
  if (op.status !== 'succeeded') return op.reason ?? '-';
  if (op.reason !== undefined) return `ran; not stored: ${op.reason}`;
  if (earlier === undefined) return run.resumedFrom === undefined ? 'ran (not a resumed run)' : 'ran';
  const before = earlier.get(op.operationId);
  if (before === undefined || before.status !== 'succeeded') return `ran: run ${run.resumedFrom} had not completed it`;
  if (before.cacheKey !== op.cacheKey) return `ran: its cache key changed since run ${run.resumedFrom} (params, version or an input's content)`;
  return 'ran: asked to rerun, or its stored result could not be read';
}


function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** The whole journal of a run, read a page at a time. */
async function journal(store: RunStore, runId: string): Promise<JournalEvent[]> {
  const events: JournalEvent[] = [];
  for (;;) {
    const page = await store.events(runId, { afterSeq: events.length === 0 ? 0 : events[events.length - 1]!.seq, limit: 1000 });
    events.push(...page);
    if (page.length < 1000) return events;
  }
}

/** One journal event as a table row: seq, time since the run started, type, step, the rest of its fields. */
function journalRow(event: JournalEvent, startedAt: number): string[] {
  const fields = event.payload !== null && typeof event.payload === 'object' && !Array.isArray(event.payload) ? (event.payload as Record<string, unknown>) : { value: event.payload };
  const { timestamp, operationId, seq: _seq, ...rest } = fields;
  const at = typeof timestamp === 'number' ? `+${formatDuration(Math.max(0, timestamp - startedAt))}` : '-';
  const details = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return [String(event.seq), at, event.type, typeof operationId === 'string' ? operationId : '', details.length > 120 ? `${details.slice(0, 119)}…` : details];
}
