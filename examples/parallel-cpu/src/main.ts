import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createWorkerEngine, type WorkerEngine } from '@portflow/workers';
import { buildHashGraph, type Workload } from './graph';
import { hashChunk, makeData } from './hashing';

/** `--name value` from the command line, as a number. */
function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value < 1) throw new Error(`--${name} must be a number >= 1`);
  return Math.floor(value);
}

/** Rounds that make one chunk take about `targetMs` on this machine. */
function calibrate(chunkBytes: number, targetMs: number): number {
  const chunk = makeData(chunkBytes);
  hashChunk(chunk, 20); // warm up
  const start = performance.now();
  hashChunk(chunk, 100);
  const perRound = (performance.now() - start) / 100;
  return Math.max(1, Math.round(targetMs / perRound));
}

interface Timing {
  ms: number;
  digest: string;
  meanOpMs: number;
}

/** Times one run of the graph on `engine`. */
async function timeRun(engine: WorkerEngine, workload: Workload): Promise<Timing> {
  const { graph, combine } = buildHashGraph(workload);
  const start = performance.now();
  const result = await engine.run(graph);
  const ms = performance.now() - start;
  if (!result.isSuccessful()) throw new Error(result.getErrorMessage());
  const hashes = result.operations.filter((r) => r.operationId.startsWith('hash'));
  const meanOpMs = hashes.reduce((s, r) => s + (r.durationMs ?? 0), 0) / hashes.length;
  return { ms, digest: result.getOutput(combine, 'digest') as string, meanOpMs };
}

const fastest = (a: Timing | undefined, b: Timing): Timing => (a === undefined || b.ms < a.ms ? b : a);

async function main(): Promise<void> {
  const chunks = option('chunks', 16);
  const chunkBytes = option('chunk-kib', 256) * 1024;
  const targetMs = option('op-ms', 50);
  const threads = option('threads', Math.max(2, availableParallelism()));
  const repeat = option('repeat', 5);
  const rounds = option('rounds', calibrate(chunkBytes, targetMs));
  const workload: Workload = { chunks, chunkBytes, rounds };
  console.log(`${chunks} chunks of ${chunkBytes / 1024} KiB, ${rounds} SHA-256 rounds each (about ${targetMs} ms per chunk); best of ${repeat} runs`);

  await using serialEngine = createWorkerEngine({ cpuThreads: 1 });
  await using parallelEngine = createWorkerEngine({ cpuThreads: threads });
  // Warm-up: start the worker threads and load the operations' module in them.
  await timeRun(serialEngine, workload);
  await timeRun(parallelEngine, workload);
  // Alternate the two, keeping each one's fastest run: other load on the machine
  // then hits both alike, and the minimum filters it out.
  let serial: Timing | undefined;
  let parallel: Timing | undefined;
  for (let i = 0; i < repeat; i++) {
    serial = fastest(serial, await timeRun(serialEngine, workload));
    parallel = fastest(parallel, await timeRun(parallelEngine, workload));
  }
  if (serial === undefined || parallel === undefined) throw new Error('--repeat must be at least 1');
  console.log(`cpuThreads 1: ${serial.ms.toFixed(0)} ms (mean ${serial.meanOpMs.toFixed(1)} ms per operation)`);
  console.log(`cpuThreads ${threads}: ${parallel.ms.toFixed(0)} ms (mean ${parallel.meanOpMs.toFixed(1)} ms per operation)`);
  if (parallel.digest !== serial.digest) throw new Error(`digests differ: ${serial.digest} vs ${parallel.digest}`);
  console.log(`digest ${parallel.digest} (same both ways)`);
  console.log(`speedup: ${(serial.ms / parallel.ms).toFixed(2)}x on ${threads} threads (${availableParallelism()} cores available)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
