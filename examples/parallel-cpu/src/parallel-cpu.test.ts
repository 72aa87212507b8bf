import { join } from 'node:path';
import { createWorkerEngine } from '@portflow/workers';
import type * as Graph from './graph';
import { hashChunk, makeData } from './hashing';

jest.setTimeout(30_000);

// Worker threads load JavaScript: the operations come from this example's build.
const { buildHashGraph } = require(join(__dirname, '..', 'dist', 'graph.js')) as typeof Graph; // eslint-disable-line @typescript-eslint/no-require-imports

it('fans chunks out to worker threads and reduces them to the digest a serial loop computes', async () => {
  const workload = { chunks: 6, chunkBytes: 4096, rounds: 3 };
  const data = makeData(workload.chunks * workload.chunkBytes);
  const { createHash } = await import('node:crypto');
  const expected = createHash('sha256');
  for (let i = 0; i < workload.chunks; i++) expected.update(hashChunk(data.subarray(i * workload.chunkBytes, (i + 1) * workload.chunkBytes), workload.rounds));

  const engine = createWorkerEngine({ cpuThreads: 2 });
  try {
    const { graph, combine, hashes } = buildHashGraph(workload);
    const result = await engine.run(graph, { retainOutputs: true }); // keep the split's (moved) chunks to inspect them
    expect(result.status).toBe('succeeded');
    expect(result.getOutput(combine, 'digest')).toBe(expected.digest('hex'));
    expect(hashes).toHaveLength(6);
    // The chunks were moved to the workers, not copied: the split's outputs are detached now.
    expect((result.getOutput('split', 'chunk0') as Uint8Array).byteLength).toBe(0);
  } finally {
    await engine.close();
  }
  expect(engine.workers.threadCount).toBe(0);
});
