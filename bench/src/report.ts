import type { BenchResults } from './bench';
import { int, sig, table } from './format';
import type { CaseMedians, CaseResult } from './harness';
import { RUNNER_IDS, type RunnerId } from './runners/runner';

const SHORT: Record<RunnerId, string> = {
  floor: 'floor',
  portflow: 'Portflow',
  'portflow-deps': 'Portflow deps',
  'portflow-dynamic': 'Portflow dynamic',
  'portflow-events': 'Portflow + events',
  'async-auto': 'async.auto',
  'p-graph': 'p-graph',
  langgraph: 'LangGraph',
};

const PEERS: readonly RunnerId[] = ['async-auto', 'p-graph', 'langgraph'];

/** A derived column: `a ÷ b`, or `a − b` (same unit as the table). Shown when both runners are in the results. */
interface DerivedColumn {
  readonly a: RunnerId;
  readonly b: RunnerId;
  readonly kind: 'ratio' | 'difference';
}

const ratio = (a: RunnerId, b: RunnerId): DerivedColumn => ({ a, b, kind: 'ratio' });

/** Columns of the two run-time tables: Portflow against the floor, and what each Portflow variant adds. */
const TIME_COLUMNS: readonly DerivedColumn[] = [
  ratio('portflow', 'floor'),
  ratio('portflow-deps', 'floor'),
  ratio('portflow-dynamic', 'portflow'),
  { a: 'portflow-events', b: 'portflow', kind: 'difference' },
];

/** Columns of the construction and graph-heap tables: the Portflow variants against Portflow. */
const VARIANT_COLUMNS: readonly DerivedColumn[] = [ratio('portflow-dynamic', 'portflow'), ratio('portflow-deps', 'portflow')];

export type Verdict = 'met' | 'missed' | 'not measured';

export interface BudgetCheck {
  readonly budget: string;
  readonly target: string;
  readonly measured: string;
  readonly verdict: Verdict;
}

function find(cases: readonly CaseResult[], shape: string, n: number, runner: RunnerId): CaseResult | undefined {
  return cases.find((c) => c.shape === shape && c.n === n && c.runner === runner);
}

function runnersOf(results: BenchResults): RunnerId[] {
  const present = new Set([...results.scheduling, ...results.io].map((c) => c.runner));
  return RUNNER_IDS.filter((r) => present.has(r));
}

/**
 * Rows (shape, N) x columns (runners) of one per-operation figure, then the
 * derived columns whose runners are both present; notes for cases without a
 * figure. `pick` returns undefined where a case has no such figure.
 */
function figureTable(
  results: BenchResults,
  pick: (m: CaseMedians) => number | undefined,
  format: (v: number) => string,
  derived: readonly DerivedColumn[] = [],
  missing = 'n/a',
): { text: string; notes: string[] } {
  const runners = runnersOf(results);
  const columns = derived.filter((d) => runners.includes(d.a) && runners.includes(d.b));
  const header = [
    'workload',
    'N',
    ...runners.map((r) => SHORT[r]),
    ...columns.map((d) => (d.kind === 'ratio' ? `${SHORT[d.a]} ÷ ${SHORT[d.b]}` : `${SHORT[d.a]} − ${SHORT[d.b]}`)),
  ];
  const notes: string[] = [];
  const rows: string[][] = [];
  for (const shape of results.meta.shapes) {
    for (const n of results.meta.sizes) {
      const row = [shape, int(n)];
      for (const r of runners) {
        const c = find(results.scheduling, shape, n, r);
        if (c === undefined) row.push('');
        else if (c.median !== undefined) {
          const v = pick(c.median);
          row.push(v === undefined ? missing : format(v));
        } else {
          notes.push(`${SHORT[r]}, ${shape} N=${int(n)}: ${c.note ?? c.status}`);
          row.push(c.status === 'error' ? 'error' : c.status === 'timeout' ? `> ${Math.round(results.meta.timeoutMs / 1000)} s` : 'skipped');
        }
      }
      for (const d of columns) {
        const ma = find(results.scheduling, shape, n, d.a)?.median;
        const mb = find(results.scheduling, shape, n, d.b)?.median;
        const a = ma && pick(ma);
        const b = mb && pick(mb);
        if (a === undefined || b === undefined) row.push('n/a');
        else row.push(d.kind === 'ratio' ? `${sig(a / b, 2)}x` : format(a - b));
      }
      rows.push(row);
    }
  }
  return { text: table(header, rows), notes: [...new Set(notes)] };
}

/**
 * `validate()` alone, µs per operation: rows (shape, runner) for the
 * runners that time it (Portflow; `+ events` builds the same graph as
 * Portflow and is left out); columns N (the calls after the first), the
 * per-operation ratio of the largest N to the one before it, then the first
 * call at each N. Layered only, when it was measured.
 */
function validateTable(results: BenchResults): string | undefined {
  const sizes = results.meta.sizes;
  const shapes = results.meta.shapes.includes('layered') ? ['layered' as const] : results.meta.shapes;
  const runners = runnersOf(results).filter((r) => r !== 'portflow-events');
  const withRatio = sizes.length >= 2;
  const header = ['workload', 'runner', ...sizes.map((n) => `N=${int(n)}`)];
  if (withRatio) header.push(`${int(sizes[sizes.length - 1]!)} ÷ ${int(sizes[sizes.length - 2]!)}, per op`);
  header.push(...sizes.map((n) => `first call, N=${int(n)}`));
  const cell = (v: number | undefined): string => (v === undefined ? 'n/a' : sig(v));
  const rows: string[][] = [];
  for (const shape of shapes) {
    for (const r of runners) {
      const medians = sizes.map((n) => find(results.scheduling, shape, n, r)?.median);
      const values = medians.map((m) => m?.validateUsPerOp);
      if (values.every((v) => v === undefined)) continue;
      const row = [shape, SHORT[r], ...values.map(cell)];
      if (withRatio) {
        const [a, b] = [values[values.length - 1], values[values.length - 2]];
        row.push(a !== undefined && b !== undefined ? `${sig(a / b, 2)}x` : 'n/a');
      }
      row.push(...medians.map((m) => cell(m?.firstValidateUsPerOp)));
      rows.push(row);
    }
  }
  return rows.length === 0 ? undefined : table(header, rows);
}

function notesBlock(notes: readonly string[]): string {
  return notes.length === 0 ? '' : `\n\n${notes.map((n) => `- ${n}`).join('\n')}`;
}

export function checkBudgets(results: BenchResults): BudgetCheck[] {
  const checks: BudgetCheck[] = [];
  const s = results.scheduling;
  const us = (shape: string, n: number, r: RunnerId): number | undefined => find(s, shape, n, r)?.median?.usPerOp;

  // 1. Layered DAG overhead vs peers and floor.
  for (const n of [10_000, 100_000]) {
    const budget = `Overhead, layered DAG N=${int(n)}`;
    const target = 'below every peer; <= 3x floor (no subscribers)';
    const p = us('layered', n, 'portflow');
    const f = us('layered', n, 'floor');
    if (p === undefined || f === undefined) {
      checks.push({ budget, target, measured: 'not in this run', verdict: 'not measured' });
      continue;
    }
    const parts: string[] = [`Portflow ${sig(p)} µs/op = ${sig(p / f, 2)}x floor (${sig(f)})`];
    let met = p <= 3 * f;
    for (const peer of PEERS) {
      const c = find(s, 'layered', n, peer);
      if (c === undefined) continue;
      if (c.median === undefined) {
        parts.push(`${SHORT[peer]} ${c.status === 'error' ? 'failed' : 'did not finish'}`);
        continue;
      }
      const v = c.median.usPerOp;
      parts.push(`${SHORT[peer]} ${sig(v)}`);
      if (p >= v) met = false;
    }
    checks.push({ budget, target, measured: parts.join('; '), verdict: met ? 'met' : 'missed' });
  }

  // 2. Scaling: per-op time at 100k within 1.5x of 1k, every shape.
  {
    const budget = 'Scaling, N=100,000 vs N=1,000';
    const target = 'µs/op at 100k <= 1.5x µs/op at 1k';
    const parts: string[] = [];
    let met = true;
    let measured = false;
    for (const shape of results.meta.shapes) {
      const a = us(shape, 1_000, 'portflow');
      const b = us(shape, 100_000, 'portflow');
      if (a === undefined || b === undefined) continue;
      measured = true;
      parts.push(`${shape} ${sig(b / a, 2)}x`);
      if (b > 1.5 * a) met = false;
    }
    checks.push({ budget, target, measured: measured ? parts.join('; ') : 'not in this run', verdict: measured ? (met ? 'met' : 'missed') : 'not measured' });
  }

  // 3. Memory at 100k: graph + what the run retains, per operation.
  {
    const budget = 'Memory, 100,000-operation run';
    const target = '< 2 KiB retained heap per op (graph + run state + result)';
    const parts: string[] = [];
    let met = true;
    let measured = false;
    for (const shape of results.meta.shapes) {
      const m = find(s, shape, 100_000, 'portflow')?.median;
      if (m === undefined) continue;
      measured = true;
      const total = m.graphBytesPerOp + m.retainedBytesPerOp;
      parts.push(`${shape} ${int(total)} B (graph ${int(m.graphBytesPerOp)} + run ${int(m.retainedBytesPerOp)})`);
      if (total >= 2048) met = false;
    }
    checks.push({ budget, target, measured: measured ? parts.join('; ') : 'not in this run', verdict: measured ? (met ? 'met' : 'missed') : 'not measured' });
  }

  // 4. CPU pool.
  const cpu = results.cpu;
  if (cpu.status === 'ok' && cpu.pool && cpu.overhead) {
    checks.push({
      budget: 'CPU pool speedup, 16 x 50 ms on 2 cores',
      target: '>= 1.8x (cpuThreads 2 vs 1)',
      measured: `${sig(cpu.pool.speedup, 3)}x (raw piscina ${sig(cpu.pool.piscinaSpeedup, 3)}x)`,
      verdict: cpu.pool.speedup >= 1.8 ? 'met' : 'missed',
    });
    checks.push({
      budget: 'Worker-pool overhead per task',
      target: '<= 1.5x raw piscina',
      measured: `${sig(cpu.overhead.portflowUsPerTask)} µs vs ${sig(cpu.overhead.piscinaUsPerTask)} µs = ${sig(cpu.overhead.ratio, 2)}x`,
      verdict: cpu.overhead.ratio <= 1.5 ? 'met' : 'missed',
    });
  } else {
    for (const budget of ['CPU pool speedup, 16 x 50 ms on 2 cores', 'Worker-pool overhead per task']) {
      checks.push({ budget, target: budget.startsWith('CPU') ? '>= 1.8x' : '<= 1.5x raw piscina', measured: cpu.note ?? cpu.status, verdict: 'not measured' });
    }
  }

  // 5. I/O.
  {
    const c = results.io.find((x) => x.runner === 'portflow');
    const budget = `I/O, ${int(results.meta.ioN)} x 20 ms sleeps`;
    if (c?.median === undefined) checks.push({ budget, target: '< 60 ms wall', measured: c?.note ?? 'not in this run', verdict: 'not measured' });
    else checks.push({ budget, target: '< 60 ms wall', measured: `${sig(c.median.runMs)} ms`, verdict: c.median.runMs < 60 ? 'met' : 'missed' });
  }
  return checks;
}

export function renderMarkdown(results: BenchResults): string {
  const m = results.meta;
  const runners = runnersOf(results);
  const out: string[] = [];
  out.push(`# Portflow benchmarks${m.quick ? ' (quick mode: small sizes, not for publishing)' : ''}`);
  out.push(
    [
      `Node.js ${m.node} (V8 ${m.v8}), ${m.platform}/${m.arch}, ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB; ${m.date.slice(0, 10)}; took ${m.durationS} s;`,
      `1-minute load average ${m.loadAverage.start.toFixed(1)} at the start and ${m.loadAverage.end.toFixed(1)} at the end (well above 1 means other work shared the cores).`,
      `Median of ${m.reps} repetitions per cell after warm-up (${m.warmup.runs} to 50 runs, for at least ${int(m.warmup.ms)} ms, of the same shape at N = ${int(m.warmup.n)} or the cell's N if smaller),`,
      `then a full collection and more warm-up runs until back to warm-up speed, then construction and the timed runs, each after a scavenge;`,
      `runners alternate order between repetitions; ${m.isolate ? 'each measurement in a fresh child process' : 'all measurements in one shared child process (memory figures approximate)'};`,
      `a runner that needs over ${Math.round(m.timeoutMs / 1000)} s for one run is stopped and skipped at that size and above.`,
    ].join('\n'),
  );
  out.push(`Runners: ${runners.map((r) => `**${SHORT[r]}** = ${results.labels[r] ?? r}`).join('; ')}.`);

  const time = figureTable(results, (x) => x.usPerOp, (v) => sig(v), TIME_COLUMNS);
  out.push(
    `## Scheduling overhead, µs per operation (lower is better)\n\nThe first run of a freshly built graph, every node an async no-op, divided by N (for Portflow this includes compiling the run plan). Portflow + events − Portflow: µs per operation that one events$ subscriber adds.\n\n${time.text}${notesBlock(time.notes)}`,
  );

  const rerun = figureTable(results, (x) => x.rerunUsPerOp, (v) => sig(v), TIME_COLUMNS, 'not timed');
  out.push(
    `## Re-run of an already built graph, µs per operation\n\nA second run of the same built graph, right after the first one above (Portflow reuses the run plan the first run compiled; the others run the same structure again). Not timed where the first run took over 5 s.\n\n${rerun.text}`,
  );

  const majors = figureTable(results, (x) => x.runsWithMajorGc, int);
  out.push(
    `## First runs paused by a mark-compact collection, out of ${m.reps}\n\nBefore each measurement the child runs a full collection and warms up again; what remains here is the collector's own work during the run (the graph and what the run allocates), which grows with N.\n\n${majors.text}`,
  );

  const build = figureTable(results, (x) => x.buildUsPerOp, (v) => sig(v), VARIANT_COLUMNS);
  out.push(
    `## Graph construction + validation, µs per operation\n\nBuilding the library's graph from the workload (Portflow: operations, channels (ordering dependencies for Portflow deps), \`validate()\`; p-graph: constructor with cycle check; LangGraph: builder + \`compile()\`; async.auto: the task object; floor: adjacency arrays).\n\n${build.text}`,
  );

  const validate = validateTable(results);
  if (validate !== undefined) {
    out.push(
      `## \`validate()\` alone, µs per operation\n\nFour calls in a row, each on a freshly built graph that was not validated yet, after the timed construction validated one graph of the same size: the median of the last three, and the first call apart (on a graph larger than the warm-up's it can include V8 re-optimizing code). Portflow + events builds the same graph as Portflow.\n\n${validate}`,
    );
  }

  const retained = figureTable(results, (x) => x.retainedBytesPerOp, int);
  out.push(
    `## Heap retained by the run, bytes per operation\n\nFrom a separate, untimed run in the first ${m.memoryReps === 1 ? 'repetition' : `${m.memoryReps} repetitions`}: heap + array buffers after a full GC with the run's result still held, minus the same before the run (the built graph excluded; see next table).\n\n${retained.text}`,
  );

  const graphBytes = figureTable(results, (x) => x.graphBytesPerOp, int, VARIANT_COLUMNS);
  out.push(`## Heap held by the built graph, bytes per operation\n\n${graphBytes.text}`);

  if (m.isolate) {
    const peak = figureTable(results, (x) => x.peakRssBytesPerOp, int);
    out.push(`## Peak RSS growth during the run, bytes per operation\n\nSame untimed run: the process's peak RSS after the run minus its RSS just before it (0 when the run did not raise the peak).\n\n${peak.text}`);
  }

  if (results.io.length > 0) {
    const rows = results.io.map((c) => [
      SHORT[c.runner],
      c.median ? sig(c.median.runMs) : (c.note ?? c.status),
      c.median ? sig(c.median.runMs - 20) : '',
      c.median ? `${sig(c.median.runMs / 20, 3)}x` : '',
    ]);
    out.push(
      `## I/O concurrency: ${int(m.ioN)} independent operations, each awaiting a 20 ms timer\n\nWall time of one run; the floor of physics is 20 ms.\n\n${table(['runner', 'wall ms', 'over 20 ms', '÷ 20 ms'], rows)}`,
    );
  }

  const cpu = results.cpu;
  if (cpu.status === 'ok' && cpu.pool && cpu.overhead) {
    out.push(
      `## CPU pool: ${cpu.pool.tasks} operations of ~${cpu.pool.taskMs} ms CPU each\n\n${table(
        ['variant', 'wall ms', 'speedup vs 1 thread'],
        [
          ['Portflow, cpuThreads 1', sig(cpu.pool.portflow1Ms), '1x'],
          ['Portflow, cpuThreads 2', sig(cpu.pool.portflow2Ms), `${sig(cpu.pool.speedup, 3)}x`],
          ['raw piscina, 1 thread', sig(cpu.pool.piscina1Ms), '1x'],
          ['raw piscina, 2 threads', sig(cpu.pool.piscina2Ms), `${sig(cpu.pool.piscinaSpeedup, 3)}x`],
        ],
      )}`,
    );
    out.push(
      `## Worker-pool overhead: ${int(cpu.overhead.tasks)} no-op tasks\n\n${table(
        ['variant', 'µs per task (wall ÷ tasks)'],
        [
          ['Portflow worker pool', sig(cpu.overhead.portflowUsPerTask)],
          ['raw piscina, all tasks submitted at once', sig(cpu.overhead.piscinaUsPerTask)],
          ['raw piscina, at most 2 submitted at a time (as the engine does)', sig(cpu.overhead.piscinaCappedUsPerTask)],
          ['Portflow ÷ raw piscina (all at once)', `${sig(cpu.overhead.ratio, 2)}x`],
        ],
      )}`,
    );
  } else {
    out.push(`## CPU pool and worker-pool overhead\n\nNot measured: ${cpu.note ?? cpu.status}.`);
  }

  const budgets = checkBudgets(results);
  out.push(`## Budgets\n\n${table(['budget', 'target', 'measured', 'verdict'], budgets.map((b) => [b.budget, b.target, b.measured, b.verdict]), false)}`);
  return `${out.join('\n\n')}\n`;
}
