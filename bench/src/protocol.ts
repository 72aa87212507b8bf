import type { RunnerId } from './runners/runner';
import type { Shape, Task } from './workloads';

/** One measurement: build and run `runner` on `shape` of size `n`, once, after warm-up. */
export interface Job {
  readonly runner: RunnerId;
  readonly shape: Shape;
  readonly task: Task;
  readonly n: number;
  /** Size of the warm-up runs (same runner, same shape). */
  readonly warmupN: number;
  /** At least this many warm-up runs, and more until `warmupMs` has passed (at most 50). */
  readonly warmupRuns: number;
  readonly warmupMs: number;
  /** Also measure memory, in a second run of a freshly built graph after the timed one. */
  readonly memory: boolean;
}

/** What one measurement found. */
export interface Sample {
  /** Graph construction (+ validation / compile where the library has it), ms. */
  readonly buildMs: number;
  /** One execution of the built graph, ms. */
  readonly runMs: number;
  /** CPU time (user + system, all threads of the process) during that execution, ms; well below runMs means the process waited for a core. */
  readonly cpuMs: number;
  /** Memory figures, from a separate run (only when the job asked for them). */
  readonly memory?: MemorySample;
}

/** Memory of one run, for the whole graph (not per operation). */
export interface MemorySample {
  /** Heap + array buffers held by the built graph (after GC). */
  readonly graphBytes: number;
  /** Heap + array buffers still held after the run (after GC), with the run's result kept. */
  readonly retainedBytes: number;
  /** Heap + array buffers in use the moment the run resolved, before any GC (garbage included). */
  readonly heapAtEndBytes: number;
  /** Peak RSS during the run minus RSS before it (0 when the peak did not rise). */
  readonly peakRssBytes: number;
}

export type ChildMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'measuring' }
  | { readonly type: 'label'; readonly label: string }
  | { readonly type: 'result'; readonly sample: Sample }
  | { readonly type: 'error'; readonly message: string };
