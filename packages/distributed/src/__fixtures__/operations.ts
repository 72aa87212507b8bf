/**
 * Operations the tests run on remote workers. The package build compiles
 * this file to dist/__fixtures__/operations.js (worker processes load
 * JavaScript); tests load that build through src/testing/fixtures.ts.
 */
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
    context.reportProgress(0, { message: 'started', data: { pid: process.pid } });
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
