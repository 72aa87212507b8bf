import { createHash } from 'node:crypto';
import { Collect, DynamicOperation, Input, Operation, OperationOptions, Output, type CollectInputPort, type ExecutionContext, type InputPort, type Inputs, type OperationInit, type OutputPort, type Outputs } from '@portflow/core';
import { WorkerOperation } from '@portflow/workers';

/** Deterministic pseudo-random bytes (xorshift32), so every run hashes the same data. */
export function makeData(bytes: number, seed = 0x9e3779b9): Uint8Array {
  const data = new Uint8Array(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x & 0xff;
  }
  return data;
}

/** The work of one chunk: `rounds` chained SHA-256 passes over it. */
export function hashChunk(chunk: Uint8Array, rounds: number): string {
  let digest = createHash('sha256').update(chunk).digest();
  for (let r = 1; r < rounds; r++) digest = createHash('sha256').update(digest).update(chunk).digest();
  return digest.toString('hex');
}

/** Sizes of the data {@link SplitData} makes. */
export interface SplitParams {
  /** Pieces, one output port each. */
  chunks: number;
  /** Bytes per piece. */
  chunkBytes: number;
}

/** Makes the data and splits it into `chunks` pieces, one output port each (`chunk0`, `chunk1`, ...). */
export class SplitData extends DynamicOperation<SplitParams> {
  constructor(init: OperationInit<SplitParams>) {
    super(init);
    for (let i = 0; i < this.params.chunks; i++) this.addOutputPort(`chunk${i}`, { type: Uint8Array });
  }
  execute(): Record<string, Uint8Array> {
    const { chunks, chunkBytes } = this.params;
    const data = makeData(chunks * chunkBytes);
    const out: Record<string, Uint8Array> = {};
    // slice() copies each piece into its own ArrayBuffer, which can then be moved to a worker.
    for (let i = 0; i < chunks; i++) out[`chunk${i}`] = data.slice(i * chunkBytes, (i + 1) * chunkBytes);
    return out;
  }
}

/**
 * Hashes one chunk on a worker thread; the chunk is moved there, not copied.
 * Its configuration is params, so the worker constructs it from its ref.
 */
@WorkerOperation(__filename, { transfer: 'inputs' })
@OperationOptions({ resource: 'cpu_bound' })
export class HashChunk extends Operation<{ rounds: number }> {
  @Input(Uint8Array) chunk!: InputPort<Uint8Array<ArrayBuffer>>;
  @Output(String) digest!: OutputPort<string>;

  execute({ chunk }: Inputs<HashChunk>, context: ExecutionContext): Outputs<HashChunk> {
    const { rounds } = this.params;
    context.logger.debug('hashing', { bytes: chunk.byteLength, rounds });
    return { digest: hashChunk(chunk, rounds) };
  }
}

/** Reduces the chunk digests, in chunk order, to one digest (on the main thread: it is tiny). */
export class CombineDigests extends Operation {
  @Collect(String) digests!: CollectInputPort<string>;
  @Output(String) digest!: OutputPort<string>;
  execute({ digests }: Inputs<CombineDigests>): Outputs<CombineDigests> {
    const hash = createHash('sha256');
    for (const d of digests) hash.update(d);
    return { digest: hash.digest('hex') };
  }
}
