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
  /** The first execution of the freshly built graph, ms. */
  readonly runMs: number;
  /** CPU time (user + system, all threads of the process) during that execution, ms; well below runMs means the process waited for a core. */
  readonly cpuMs: number;
  /** A second execution of the same built graph, right after the first, ms; not timed when the first took over 5 s. */
  readonly rerunMs?: number;
  /**
   * `validate()` alone, ms (runners that validate separately: Portflow):
   * called on 4 freshly built, not yet validated graphs in a row, after the
   * timed build validated one of the same size. `firstValidateMs` is the
   * first call, `validateMs` the median of the other 3: the first call on a
   * graph larger than the warm-up's can pay for V8 re-optimizing code.
   */
  readonly validateMs?: number;
  readonly firstValidateMs?: number;
  /** Warm-up runs after the full collection that preceded the build (see child.ts), and whether they got back to warm-up speed. */
  readonly rewarm: { readonly runs: number; readonly converged: boolean };
  /** Collections that paused the timed runs (perf_hooks 'gc' entries that started inside them). */
  readonly gc: { readonly run: GcCount; readonly rerun?: GcCount };
  /** Memory figures, from a separate run (only when the job asked for them). */
  readonly memory?: MemorySample;
}

/** Collections inside one timed run. */
export interface GcCount {
  /** Mark-compact (full) collections, including the finalisation of incremental marking. */
  readonly major: number;
  /** Scavenges. */
  readonly minor: number;
  /** Total pause of all of them, ms. */
  readonly pauseMs: number;
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
