/**
 * Operations the tests run on worker threads. The package build compiles this
 * file to dist/__fixtures__/operations.js (workers load JavaScript); tests
 * load that build through src/testing/fixtures.ts. Worker operations keep
 * their configuration in params: a worker constructs them from their ref.
 */
import { isMainThread, threadId } from 'node:worker_threads';
import { Input, Operation, OperationOptions, Output, type ExecutionContext, type InputPort, type Inputs, type OperationInit, type OutputPort, type Outputs } from '@portflow/core';
import { MainThread, WorkerOperation } from '../declaration';

/** Epoch milliseconds with sub-millisecond resolution, comparable across threads. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

function spin(ms: number): number {
  const end = now() + ms;
  let x = 0;
  while (now() < end) x = (x * 31 + 7) % 1_000_003;
  return x;
}

/** Keeps its thread busy for `params.ms` and reports when and where it ran. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class Busy extends Operation<{ ms: number }> {
  @Output(Number) start!: OutputPort<number>;
  @Output(Number) end!: OutputPort<number>;
  @Output(Number) thread!: OutputPort<number>;
  execute(): Outputs<Busy> {
    const start = now();
    spin(this.params.ms);
    return { start, end: now(), thread: threadId };
  }
}

/** Squares its input, and uses everything the context offers. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class Square extends Operation {
  @Input(Number) value!: InputPort<number>;
  @Output(Number) squared!: OutputPort<number>;
  @Output() seen!: OutputPort<Record<string, unknown>>;
  execute({ value }: Inputs<Square>, context: ExecutionContext): Outputs<Square> {
    context.logger.info('squaring', { value });
    context.logger.child({ step: 'inner' }).debug('child logger');
    context.reportProgress(0.5, { message: 'half way', data: { squared: value * value } });
    let missing: string;
    try {
      missing = String(context.variables.callback);
    } catch (error) {
      missing = (error as Error).message;
    }
    return {
      squared: value * value,
      seen: {
        runId: context.runId,
        operationId: context.operationId,
        attempt: context.attempt,
        factor: context.variables.factor,
        missing,
        isMainThread,
        threadId,
        id: this.id,
        resource: this.settings.resource,
      },
    };
  }
}

/** An error class of the operation's own, with a code. */
export class BadInputError extends Error {
  readonly code = 'E_BAD_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'BadInputError';
  }
}

/** Throws: a custom error, or a TypeError. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class Thrower extends Operation<{ kind: 'custom' | 'type' }> {
  execute(): void {
    explode(this.params.kind);
  }
}

function explode(kind: 'custom' | 'type'): never {
  if (kind === 'type') throw new TypeError('not a number');
  throw new BadInputError('bad input 42');
}

/** Kills its thread on the first attempt, in the way asked; succeeds after. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class Crasher extends Operation<{ how: 'exit' | 'uncaught' | 'oom' }> {
  @Output(Number) attempt!: OutputPort<number>;
  execute(_inputs: Inputs<Crasher>, context: ExecutionContext): Outputs<Crasher> | Promise<never> {
    if (context.attempt > 1) return { attempt: context.attempt };
    if (this.params.how === 'exit') process.exit(3);
    if (this.params.how === 'uncaught') {
      setImmediate(() => {
        throw new Error('escaped from a callback');
      });
      return new Promise<never>(() => undefined);
    }
    const hoard: number[][] = [];
    for (;;) hoard.push(new Array(1_000_000).fill(hoard.length));
  }
}

/**
 * Waits for its signal, then says it saw it (cooperative cancellation).
 * Reports progress 0 once it listens to its signal: a test cancels on that
 * `OperationProgress` event, not on a timer, so the abort cannot arrive
 * before the listener (an abort that came first would go unseen).
 */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class WaitForAbort extends Operation {
  execute(_inputs: Inputs<WaitForAbort>, context: ExecutionContext): Promise<void> {
    return new Promise((_resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('never aborted')), 30_000);
      context.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        context.logger.warn('saw abort', { reason: String((context.signal.reason as Error)?.message ?? context.signal.reason) });
        reject(context.signal.reason);
      });
      context.reportProgress(0, 'waiting for abort');
    });
  }
}

/**
 * Reports progress `params.reports` times, each with its own id in the data,
 * and logs once; returns the thread it ran on. Synchronous: its messages are
 * all still in flight when its result reaches the main thread.
 */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class Chatty extends Operation<{ reports: number }> {
  @Output(Number) thread!: OutputPort<number>;
  execute(_inputs: Inputs<Chatty>, context: ExecutionContext): Outputs<Chatty> {
    const { reports } = this.params;
    for (let i = 0; i < reports; i++) context.reportProgress((i + 1) / reports, { message: `step ${i}`, data: { from: this.id, i } });
    context.logger.info('chatted', { from: this.id, reports });
    return { thread: threadId };
  }
}

/** Logs and reports progress with a function among the fields, which cannot cross to the main thread. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class OddFields extends Operation {
  execute(_inputs: Inputs<OddFields>, context: ExecutionContext): void {
    context.logger.info('odd', { helper: function helper() {}, n: 1 });
    context.reportProgress(1, { message: 'odd', data: { helper: () => 2, n: 2 } });
  }
}

/**
 * A synchronous loop that never looks at its signal: only terminating its thread stops it.
 * Reports progress 0 as it enters the loop, so a test knows the task is running on a thread.
 */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class SpinForever extends Operation {
  execute(_inputs: Inputs<SpinForever>, context: ExecutionContext): void {
    context.reportProgress(0, 'spinning');
    for (;;) spin(1_000);
  }
}

/** Slots of a {@link Meet} sync array. */
const ARRIVALS = 0;
const GATE = 1;

/**
 * Memory a test shares with {@link Meet} operations: an arrival count and a
 * gate, both 0. Connect it to their `sync` input from a main-thread source:
 * structured clone shares a SharedArrayBuffer rather than copying it, so
 * every Meet, on any thread, sees the same memory.
 */
export function meetingPoint(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
}

/** Opens the gate of a meeting point: gated {@link Meet} operations go on. */
export function openGate(sync: Int32Array): void {
  Atomics.store(sync, GATE, 1);
  Atomics.notify(sync, GATE);
}

/** The params of a {@link Meet}. */
export interface MeetOptions {
  /** Wait until this many operations sharing the sync array have arrived (default 1: no wait). */
  parties?: number;
  /** Then wait until the test opens the gate with `openGate` (default false). */
  gated?: boolean;
  /** Then keep the thread busy this long, in ms (default 0). */
  holdMs?: number;
  /** Fail instead of waiting longer than this, in ms (default 20 000, below the tests' timeout). */
  deadlineMs?: number;
}

/**
 * Coordinates worker operations through shared memory instead of timers:
 * arrives at its `sync` input (see {@link meetingPoint}), blocks its thread until
 * `parties` operations have arrived and, if `gated`, until the test opens the
 * gate; then holds its thread `holdMs` and reports when and where it ran.
 * Two parties can only meet when they run at the same time on two threads,
 * so a test of parallelism needs no durations that race thread start-up.
 */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class Meet extends Operation<MeetOptions> {
  @Input(Int32Array) sync!: InputPort<Int32Array>;
  @Output(Number) start!: OutputPort<number>;
  @Output(Number) end!: OutputPort<number>;
  @Output(Number) thread!: OutputPort<number>;
  execute({ sync }: Inputs<Meet>): Outputs<Meet> {
    const start = now();
    const { parties = 1, gated = false, holdMs = 0, deadlineMs = 20_000 } = this.params;
    const deadline = start + deadlineMs;
    Atomics.add(sync, ARRIVALS, 1);
    Atomics.notify(sync, ARRIVALS);
    waitFor(sync, ARRIVALS, (arrived) => arrived >= parties, deadline, `${parties} parties to arrive`);
    if (gated) waitFor(sync, GATE, (open) => open !== 0, deadline, 'the gate to open');
    spin(holdMs);
    return { start, end: now(), thread: threadId };
  }
}

/** Blocks the thread until `done(sync[index])`, or throws at `deadline`. */
function waitFor(sync: Int32Array, index: number, done: (value: number) => boolean, deadline: number, what: string): void {
  for (let value = Atomics.load(sync, index); !done(value); value = Atomics.load(sync, index)) {
    const left = deadline - now();
    if (left <= 0) throw new Error(`Meet: gave up waiting for ${what} (slot ${index} is ${value})`);
    Atomics.wait(sync, index, value, left);
  }
}

/** Sums the bytes it receives; inputs are moved to the worker, not copied. */
@WorkerOperation(__filename, { transfer: 'inputs' })
@OperationOptions({ resource: 'cpu_bound' })
export class SumMoved extends Operation {
  @Input(ArrayBuffer) data!: InputPort<ArrayBuffer>;
  @Output(Number) sum!: OutputPort<number>;
  @Output(Number) length!: OutputPort<number>;
  execute({ data }: Inputs<SumMoved>): Outputs<SumMoved> {
    return { sum: sumBytes(new Uint8Array(data)), length: data.byteLength };
  }
}

/** The same, copying its input. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class SumCopied extends Operation {
  @Input(ArrayBuffer) data!: InputPort<ArrayBuffer>;
  @Output(Number) sum!: OutputPort<number>;
  @Output(Number) length!: OutputPort<number>;
  execute({ data }: Inputs<SumCopied>): Outputs<SumCopied> {
    return { sum: sumBytes(new Uint8Array(data)), length: data.byteLength };
  }
}

function sumBytes(bytes: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < bytes.length; i++) s += bytes[i]!;
  return s;
}

let lastProduced: Float64Array | undefined;

/** Makes a Float64Array of `params.count` values and moves it to the main thread; keeps a reference to see it detached. */
@WorkerOperation(__filename, { transfer: 'outputs' })
@OperationOptions({ resource: 'cpu_bound' })
export class Produce extends Operation<{ count: number }> {
  @Output(Float64Array) values!: OutputPort<Float64Array<ArrayBuffer>>;
  execute(): Outputs<Produce> {
    const values = new Float64Array(this.params.count);
    for (let i = 0; i < values.length; i++) values[i] = i / 2;
    lastProduced = values;
    return { values };
  }
}

/** Reports the byte length, in this thread, of what `Produce` last returned (0 once moved away). */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class InspectProduced extends Operation {
  @Output(Number) byteLength!: OutputPort<number>;
  @Output(Number) thread!: OutputPort<number>;
  execute(): Outputs<InspectProduced> {
    return { byteLength: lastProduced === undefined ? -1 : lastProduced.byteLength, thread: threadId };
  }
}

/** Reverses a Buffer: Buffers stay Buffers both ways. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class ReverseBuffer extends Operation {
  @Input(Buffer) bytes!: InputPort<Buffer>;
  @Output(Buffer) reversed!: OutputPort<Buffer>;
  @Output(Boolean) receivedBuffer!: OutputPort<boolean>;
  execute({ bytes }: Inputs<ReverseBuffer>): Outputs<ReverseBuffer> {
    return { reversed: Buffer.from(bytes).reverse(), receivedBuffer: Buffer.isBuffer(bytes) };
  }
}

/** Opted out: runs on the main thread although CPU-bound. */
@MainThread()
@OperationOptions({ resource: 'cpu_bound' })
export class OnMain extends Operation {
  @Output(Boolean) mainThread!: OutputPort<boolean>;
  execute(): Outputs<OnMain> {
    return { mainThread: isMainThread };
  }
}

/** CPU-bound but never declared for workers. */
@OperationOptions({ resource: 'cpu_bound' })
export class Undeclared extends Operation {
  @Output(Boolean) mainThread!: OutputPort<boolean>;
  execute(): Outputs<Undeclared> {
    return { mainThread: isMainThread };
  }
}

/** Declared, but holds a closure given to its constructor: no ref can carry it, so it is refused. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class HoldsClosure extends Operation {
  constructor(
    private readonly transform: (x: number) => number,
    init?: OperationInit,
  ) {
    super(init);
  }
  execute(): number {
    return this.transform(1);
  }
}

/**
 * Declared, but in the old style: its configuration is a constructor argument,
 * which a worker (constructing it from its ref, with the init object only)
 * would not have. Refused before a run.
 */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class PositionalBusy extends Operation {
  @Output(Number) thread!: OutputPort<number>;
  constructor(
    private readonly ms: number,
    init?: OperationInit,
  ) {
    super(init);
  }
  execute(): Outputs<PositionalBusy> {
    spin(this.ms);
    return { thread: threadId };
  }
}

/** A helper object with a method, which {@link Greet} builds from its params. */
export class Phrase {
  constructor(
    readonly greeting: string,
    readonly punctuation: string,
  ) {}
  say(name: string): string {
    return `${this.greeting}, ${name}${this.punctuation}`;
  }
}

/** How many times {@link Greet}'s constructor ran in this thread. */
let greetConstructions = 0;

/**
 * Runs its constructor wherever it is built: the constructor derives a
 * {@link Phrase} (a class instance, which no structured clone would keep)
 * from the params and notes the thread it ran on, which `execute` reports.
 */
@WorkerOperation(__filename)
@OperationOptions({ type: 'fixtures.greet', version: 2, resource: 'cpu_bound' })
export class Greet extends Operation<{ greeting: string; punctuation?: string }> {
  @Input(String) name!: InputPort<string>;
  @Output(String) text!: OutputPort<string>;
  @Output() constructed!: OutputPort<{ threadId: number; isMainThread: boolean; constructionsInThread: number }>;
  @Output(Number) executedOn!: OutputPort<number>;
  private readonly phrase: Phrase;
  private readonly constructedOn: { readonly threadId: number; readonly isMainThread: boolean };

  constructor(init: OperationInit<{ greeting: string; punctuation?: string }>) {
    super(init);
    this.phrase = new Phrase(this.params.greeting, this.params.punctuation ?? '!');
    this.constructedOn = { threadId, isMainThread };
    greetConstructions++;
  }

  execute({ name }: Inputs<Greet>): Outputs<Greet> {
    return {
      text: this.phrase.say(name),
      constructed: { ...this.constructedOn, constructionsInThread: greetConstructions },
      executedOn: threadId,
    };
  }
}

/**
 * Declared by its module specifier alone (no @WorkerOperation): a path
 * relative to this package's root, which the tests give as the executor's root.
 */
@OperationOptions({ type: 'fixtures.scale', resource: 'cpu_bound', module: './dist/__fixtures__/operations.js' })
export class ScaleByModule extends Operation<{ factor: number }> {
  @Input(Number) value!: InputPort<number>;
  @Output(Number) scaled!: OutputPort<number>;
  @Output(Number) thread!: OutputPort<number>;
  execute({ value }: Inputs<ScaleByModule>): Outputs<ScaleByModule> {
    return { scaled: value * this.params.factor, thread: threadId };
  }
}

/** Extends a declared class without declaring itself. */
@OperationOptions({ resource: 'cpu_bound' })
export class BusySubclass extends Busy {}

/** A class with methods, carried by a port: it would arrive as a plain object. */
export class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  norm(): number {
    return Math.hypot(this.x, this.y);
  }
}

/** Declared, but its port carries class instances. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class MeasurePoint extends Operation {
  @Input(Point) point!: InputPort<Point>;
  @Output(Number) norm!: OutputPort<number>;
  execute({ point }: Inputs<MeasurePoint>): Outputs<MeasurePoint> {
    return { norm: point.norm() };
  }
}

/** Passes an untyped value through a worker. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class Echo extends Operation {
  @Input() value!: InputPort<unknown>;
  @Output() echoed!: OutputPort<unknown>;
  execute({ value }: Inputs<Echo>): Outputs<Echo> {
    return { echoed: value };
  }
}

/** Returns something that cannot be cloned back to the main thread. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class ReturnsFunction extends Operation {
  @Output() fn!: OutputPort<unknown>;
  execute(): Outputs<ReturnsFunction> {
    return { fn: () => 1 };
  }
}
