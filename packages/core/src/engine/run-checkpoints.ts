import { CacheKeyText, operationIdentity } from '../durability/cache-key';
import type { CheckpointRecord, CheckpointRunSummary, CheckpointSession, EncodedOutput, StoredOperation } from '../durability/checkpoint-store';
import { contentHash, matchesContentHash } from '../durability/content-hash';
import type { EngineEvent, ErrorSummary } from '../events/events';
import type { Logger } from '../logging/logger';
import type { ValueCodec } from '../values/value-codec';
import type { CheckpointMode } from './engine-options';
import type { RunPlan } from './run-plan';

/**
 * A run's side of checkpointing: content hashes of the outputs it produced
 * or restored, each operation's cache key (computed from its identity and
 * its inputs' hashes), what to restore instead of running, and the records
 * it hands the store. Exists only when the run has a store: without one the
 * engine does none of this.
 * @internal
 */
export class RunCheckpoints {
  /** Content hash of each output port, per position; undefined where unknown (not run yet, or not encodable). */
  private readonly hashes: (Readonly<Record<string, string>> | undefined)[];
  private readonly keys: (string | null | undefined)[];
  /** Runs whose results were restored, by position. */
  readonly restoredFrom = new Map<number, string>();
  /** 1 where the operation must run even if a result could be restored (`rerun`). */
  private readonly forced: Uint8Array;
  /** Records and events not yet handed to the session (modes other than 'operation'), in order. */
  private held: (CheckpointRecord | EngineEvent)[] | undefined;
  private readonly off: boolean;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly plan: RunPlan,
    private readonly session: CheckpointSession,
    private readonly codec: ValueCodec,
    private readonly logger: Logger,
    rerun: readonly number[],
    mode: CheckpointMode = 'operation',
  ) {
    const n = plan.ids.length;
    this.hashes = new Array(n).fill(undefined);
    this.keys = new Array(n).fill(undefined);
    this.forced = downstreamOf(plan, rerun);
    this.off = mode === 'off';
    if (mode !== 'operation' && !this.off) this.held = [];
    if (typeof mode === 'object') this.timer = setInterval(() => this.handOver(), mode.everyMs);
  }

  /** Whether this run resumes another one. */
  get resuming(): boolean {
    return this.session.resumedFrom !== undefined;
  }

  /** Cache key of the operation at position `i`, or undefined when an input's hash is unknown. */
  keyOf(i: number): string | undefined {
    const known = this.keys[i];
    if (known !== undefined) return known ?? undefined;
    const { plan } = this;
    const ports = plan.inputPorts[i];
    const text = new CacheKeyText(operationIdentity(plan.operations[i]!));
    let key: string | null = null;
    found: {
      if (ports !== null && ports !== undefined) {
        const base = plan.slotBase[i]!;
        for (let p = 0; p < ports.length; p++) {
          text.port(ports[p]!.name);
          for (let j = plan.sourceStart[base + p]!, end = plan.sourceStart[base + p + 1]!; j < end; j++) {
            const hash = this.hashes[plan.sourceIndex[j]!]?.[plan.sourcePort[j]!];
            if (hash === undefined) break found;
            text.value(hash);
          }
        }
      }
      key = text.digest();
    }
    this.keys[i] = key;
    return key ?? undefined;
  }

  /** What the resumed run stored for operation `i` under its current key, unless `rerun` forces it to run. */
  restorable(i: number): StoredOperation | undefined {
    if (this.forced[i] === 1) return undefined;
    const stored = this.session.restorable(this.plan.ids[i]!);
    if (stored === undefined) return undefined;
    const key = this.keyOf(i);
    return key !== undefined && stored.cacheKey === key ? stored : undefined;
  }

  /** A result of an earlier run with operation `i`'s key, for operations with the `cache` setting. */
  async cached(i: number, maxAgeMs: number | undefined): Promise<StoredOperation | undefined> {
    if (this.forced[i] === 1) return undefined;
    const key = this.keyOf(i);
    return key === undefined ? undefined : this.session.findCached(key, maxAgeMs);
  }

  /** Decodes a stored result's values (`encoded`, by port) into an output record, checking each against its hash. */
  decode(i: number, stored: StoredOperation, encoded: Readonly<Record<string, Uint8Array>>): Record<string, unknown> {
    const record: Record<string, unknown> = {};
    for (const port of this.plan.outputPorts[i] ?? []) {
      const bytes = encoded[port.name];
      const expected = stored.outputs[port.name]?.hash;
      if (bytes === undefined || expected === undefined) throw new Error(`the stored result has no output '${port.name}'`);
      if (!matchesContentHash(bytes, expected)) throw new Error(`the stored value of output '${port.name}' does not match its hash (damaged)`);
      record[port.name] = this.codec.decode(bytes);
    }
    return record;
  }

  /** Operation `i` succeeded with `record`: hash and record its outputs. */
  succeeded(i: number, record: Record<string, unknown> | undefined, attempts: number, startedAt: number, finishedAt: number): void {
    const id = this.plan.ids[i]!;
    let outputs: Record<string, EncodedOutput> | undefined = {};
    const hashes: Record<string, string> = {};
    let reason: string | undefined;
    for (const port of this.plan.outputPorts[i] ?? []) {
      try {
        const bytes = this.codec.encode(record?.[port.name]);
        const hash = contentHash(bytes);
        outputs[port.name] = { hash, bytes };
        hashes[port.name] = hash;
      } catch (error) {
        reason = `output '${port.name}' cannot be stored: ${error instanceof Error ? error.message : String(error)}`;
        this.logger.warn(`Operation '${id}': ${reason}; it will run again on resume, and so will the operations reading its outputs`, { operationId: id });
        outputs = undefined;
        break;
      }
    }
    if (outputs !== undefined) this.hashes[i] = hashes;
    // Built field by field: this runs once per operation, and spreads allocate.
    const entry: { -readonly [K in keyof CheckpointRecord]: CheckpointRecord[K] } = { operationId: id, status: 'succeeded', attempts, startedAt, finishedAt };
    const key = this.keyOf(i);
    if (key !== undefined) entry.cacheKey = key;
    if (outputs !== undefined) entry.outputs = outputs;
    else entry.reason = reason;
    if (this.cacheable(i)) entry.cacheable = true;
    this.hand(entry);
  }

  /** Operation `i` was restored from `stored` instead of running. */
  restored(i: number, stored: StoredOperation, encoded: Readonly<Record<string, Uint8Array>>, startedAt: number, finishedAt: number): void {
    this.hashes[i] = Object.fromEntries(Object.entries(stored.outputs).map(([port, o]) => [port, o.hash]));
    this.restoredFrom.set(i, stored.runId);
    const outputs: Record<string, EncodedOutput> = {};
    for (const [port, o] of Object.entries(stored.outputs)) outputs[port] = { hash: o.hash, bytes: encoded[port]! };
    this.hand({
      operationId: this.plan.ids[i]!,
      status: 'succeeded',
      attempts: 0,
      startedAt,
      finishedAt,
      cacheKey: stored.cacheKey,
      outputs,
      restoredFrom: stored.runId,
      ...(this.cacheable(i) && { cacheable: true }),
    });
  }

  /** Operation `i` ended without outputs (its key only when it ran: a skipped operation's inputs may not exist). */
  ended(i: number, status: CheckpointRecord['status'], attempts: number, startedAt: number, finishedAt: number, error?: ErrorSummary, reason?: string): void {
    this.hand({
      operationId: this.plan.ids[i]!,
      status,
      attempts,
      startedAt: attempts === 0 || Number.isNaN(startedAt) ? null : startedAt,
      finishedAt: attempts === 0 || Number.isNaN(finishedAt) ? null : finishedAt,
      ...(attempts === 0 ? {} : this.keyField(i)),
      ...(error === undefined ? {} : { error }),
      ...(reason === undefined ? {} : { reason }),
    });
  }

  /** The cache key computed for operation `i`, if any. */
  computedKey(i: number): string | undefined {
    return this.keys[i] ?? undefined;
  }

  event(event: EngineEvent): void {
    if (this.held !== undefined) this.held.push(event);
    else if (!this.off) this.session.event(event);
  }

  /** Hands over what is held and waits until the store has it (`run.checkpoint()`). */
  async checkpoint(): Promise<void> {
    this.handOver();
    if (!this.off) await this.session.flush?.();
  }

  close(summary: CheckpointRunSummary): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.handOver();
    return this.session.close(summary);
  }

  private hand(record: CheckpointRecord): void {
    if (this.held !== undefined) this.held.push(record);
    else if (!this.off) this.session.record(record);
  }

  /** Hands the held records and events to the session, in the order they came. */
  private handOver(): void {
    const held = this.held;
    if (held === undefined || held.length === 0) return;
    this.held = [];
    for (const item of held) {
      if ('type' in item) this.session.event(item);
      else this.session.record(item);
    }
  }

  /** Whether operation `i` has the `cache` setting. */
  private cacheable(i: number): boolean {
    const cache = this.plan.operations[i]!.settings.cache;
    return cache !== undefined && cache !== false;
  }

  private keyField(i: number): { cacheKey?: string } {
    const key = this.keyOf(i);
    return key === undefined ? {} : { cacheKey: key };
  }
}

/** 1 for each position in `start` and everything downstream of them. */
function downstreamOf(plan: RunPlan, start: readonly number[]): Uint8Array {
  const marked = new Uint8Array(plan.ids.length);
  const stack = [...start];
  for (const i of start) marked[i] = 1;
  const { offsets, targets } = plan.successors;
  while (stack.length > 0) {
    const v = stack.pop()!;
    for (let k = offsets[v]!; k < offsets[v + 1]!; k++) {
      const w = targets[k]!;
      if (marked[w] === 0) {
        marked[w] = 1;
        stack.push(w);
      }
    }
  }
  return marked;
}
