/**
 * Operations the tests run on remote workers. The package build compiles
 * this file to dist/__fixtures__/operations.js (worker processes load
 * JavaScript); tests load that build through src/testing/fixtures.ts.
 */
import { appendFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { Input, Operation, OperationOptions, Output, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { WorkerOperation } from '@portflow/workers';

/** Makes values JSON would lose: a Map of bigints, a Date and bytes. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class MakeValues extends Operation<{ count: number }> {
  @Input(Number) seed!: InputPort<number>;
  @Output(Map) table!: OutputPort<Map<string, bigint>>;
  @Output(Date) when!: OutputPort<Date>;
  @Output(Uint8Array) bytes!: OutputPort<Uint8Array>;
  execute({ seed }: Inputs<MakeValues>): Outputs<MakeValues> {
    const table = new Map<string, bigint>();
    for (let i = 0; i < this.params.count; i++) table.set(`k${i}`, BigInt(seed) ** BigInt(i + 20));
    return { table, when: new Date(Date.UTC(2026, 0, seed)), bytes: Uint8Array.from({ length: 16 }, (_, i) => (seed * 31 + i) % 256) };
  }
}

/** Combines MakeValues' outputs into a summary of the same kinds. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class Summarize extends Operation {
  @Input(Map) table!: InputPort<Map<string, bigint>>;
  @Input(Date) when!: InputPort<Date>;
  @Input(Uint8Array) bytes!: InputPort<Uint8Array>;
  @Output(BigInt) total!: OutputPort<bigint>;
  @Output(Map) summary!: OutputPort<Map<string, unknown>>;
  execute({ table, when, bytes }: Inputs<Summarize>, context: ExecutionContext): Outputs<Summarize> {
    context.reportProgress(1, 'summed');
    let total = 0n;
    for (const v of table.values()) total += v;
    const later = new Date(when.getTime() + 86_400_000);
    return { total, summary: new Map<string, unknown>([['keys', [...table.keys()]], ['later', later], ['sum', bytes.reduce((a, b) => a + b, 0)], ['bytes', bytes.subarray(0, 4)]]) };
  }
}

/**
 * Reports its process id as progress when it starts, then waits
 * `params.ms` (or until its signal aborts). Tests use the progress to learn
 * which worker holds it.
 */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class Hold extends Operation<{ ms: number; tag: number }> {
  @Output(Number) tag!: OutputPort<number>;
  async execute(_inputs: Inputs<Hold>, context: ExecutionContext): Promise<Outputs<Hold>> {
    context.reportProgress(0, { message: 'started', data: { pid: process.pid, key: context.idempotencyKey } });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, this.params.ms);
      context.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new Error(`saw abort: ${String((context.signal.reason as Error)?.message ?? context.signal.reason)}`));
      }, { once: true });
    });
    return { tag: this.params.tag };
  }
}

/**
 * Computes synchronously for `params.ms` (a busy loop: the work of a
 * CPU-bound operation that never yields), after reporting where it runs.
 */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class Spin extends Operation<{ ms: number }> {
  @Output(Number) spins!: OutputPort<number>;
  execute(_inputs: Inputs<Spin>, context: ExecutionContext): Outputs<Spin> {
    context.reportProgress(0, { message: 'started', data: { pid: process.pid, mainThread: isMainThread } });
    const end = performance.now() + this.params.ms;
    let spins = 0;
    while (performance.now() < end) spins++;
    return { spins: spins > 0 ? 1 : 0 };
  }
}

/** A 1 MiB output (deterministic bytes from `params.seed`). */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class Megabyte extends Operation<{ seed: number }> {
  @Output(Uint8Array) data!: OutputPort<Uint8Array>;
  execute(): Outputs<Megabyte> {
    const data = new Uint8Array(1024 * 1024);
    let x = this.params.seed >>> 0;
    for (let i = 0; i < data.length; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      data[i] = x >>> 24;
    }
    return { data };
  }
}

/** Reads a large byte array: its length and a checksum. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class Checksum extends Operation {
  @Input(Uint8Array) data!: InputPort<Uint8Array>;
  @Output(Map) digest!: OutputPort<Map<string, number>>;
  execute({ data }: Inputs<Checksum>): Outputs<Checksum> {
    let sum = 0;
    for (let i = 0; i < data.length; i++) sum = (sum * 31 + data[i]!) >>> 0;
    return { digest: new Map([['length', data.length], ['sum', sum]]) };
  }
}

/** Logs two lines from wherever it runs (a worker thread of a remote worker), one with fields, and returns its step. */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class Chatty extends Operation<{ step: number }> {
  @Output(Number) step!: OutputPort<number>;
  execute(_inputs: unknown, context: ExecutionContext): Outputs<Chatty> {
    context.logger.info(`step ${this.params.step} starts`);
    context.logger.warn('almost done', { step: this.params.step, main: isMainThread });
    return { step: this.params.step };
  }
}

/**
 * A side effect counted by key: appends `context.idempotencyKey` to
 * `params.file` when it starts (and reports progress `started`), then waits `params.ms` (or until its signal
 * aborts) and emits `a + b + add`. Tests count the lines per key.
 */
@WorkerOperation(__filename)
@OperationOptions({ resource: 'cpu_bound' })
export class Effect extends Operation<{ file: string; ms: number; add: number }> {
  @Input(Number, { optional: true }) a!: InputPort<number | undefined>;
  @Input(Number, { optional: true }) b!: InputPort<number | undefined>;
  @Output(Number) value!: OutputPort<number>;
  async execute({ a, b }: Inputs<Effect>, context: ExecutionContext): Promise<Outputs<Effect>> {
    appendFileSync(this.params.file, `${context.idempotencyKey}\n`);
    context.reportProgress(0, 'started');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, this.params.ms);
      context.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(context.signal.reason as Error);
      }, { once: true });
    });
    return { value: (a ?? 0) + (b ?? 0) + this.params.add };
  }
}
