/**
 * Keeps the benchmark harness from rotting: runs it end to end on tiny
 * graphs and checks the shape of what it reports, never the times.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { QUICK, runBench, type BenchResults } from './bench';
import { parseArgs } from './cli';
import { CHILD_SCRIPT } from './harness';
import { checkBudgets, renderMarkdown } from './report';
import { buildPortflowGraph, buildUnvalidatedPortflowGraph } from './runners/portflow';
import { RUNNER_IDS, type RunnerId } from './runners/runner';
import { adjacency, chain, layered, makeWorkload, wide } from './workloads';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');

beforeAll(() => {
  // Children run the compiled harness; `npm test` builds first, `npm run test:unit` may not have.
  if (!existsSync(CHILD_SCRIPT)) execFileSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { cwd: ROOT, stdio: 'inherit' });
});

describe('workloads', () => {
  it('builds each shape with N nodes whose parents come earlier', () => {
    for (const parents of [chain(50), wide(50), layered(50)]) {
      expect(parents).toHaveLength(50);
      parents.forEach((ps, i) => ps.forEach((p) => expect(p).toBeLessThan(i)));
    }
    expect(wide(50)[49]).toHaveLength(48);
  });

  it('gives the layered DAG 1-3 distinct parents from the previous layer, the same every time', () => {
    const a = layered(400);
    expect(layered(400)).toEqual(a);
    const width = 20;
    a.forEach((ps, i) => {
      if (i < width) return expect(ps).toEqual([]);
      expect(ps.length).toBeGreaterThanOrEqual(1);
      expect(ps.length).toBeLessThanOrEqual(3);
      expect(new Set(ps).size).toBe(ps.length);
      for (const p of ps) expect(Math.floor(p / width)).toBe(Math.floor(i / width) - 1);
    });
  });

  it('precomputes adjacency and in-degrees for the floor', () => {
    const { offsets, targets, inDegree } = adjacency(makeWorkload('wide', 5).parents);
    expect(Array.from(inDegree)).toEqual([0, 1, 1, 1, 3]);
    expect(Array.from(targets.subarray(offsets[0]!, offsets[1]!))).toEqual([1, 2, 3]);
  });
});

describe('Portflow graph variants', () => {
  const w = makeWorkload('layered', 100);

  it('wires one channel per edge with decorated or imperative ports alike', () => {
    for (const wiring of ['channels', 'dynamic'] as const) {
      const graph = buildPortflowGraph(w, wiring);
      expect(graph.operations).toHaveLength(100);
      expect(graph.channels).toHaveLength(w.edges);
      expect(graph.dependencies).toHaveLength(0);
      for (const op of graph.operations) {
        expect(op.getPort('in', 'input')?.collect).toBe(true);
        expect(op.getPort('out', 'output')).toBeDefined();
      }
    }
  });

  it('wires one ordering dependency per edge between port-less operations for portflow-deps', () => {
    const graph = buildPortflowGraph(w, 'deps');
    expect(graph.channels).toHaveLength(0);
    expect(graph.dependencies).toHaveLength(w.edges);
    for (const op of graph.operations) expect(op.ports).toHaveLength(0);
  });

  it('leaves validation to the caller when asked to', () => {
    const graph = buildUnvalidatedPortflowGraph(w);
    expect(graph.findProblems()).toEqual([]);
    expect(() => graph.validate()).not.toThrow();
  });
});

describe('cli options', () => {
  it('parses --quick, --json and overrides', () => {
    const { options, json } = parseArgs(['--quick', '--json=/tmp/x.json', '--sizes=10,20', '--runners=p-graph,floor', '--reps=2']);
    expect(options.quick).toBe(true);
    expect(options.sizes).toEqual([10, 20]);
    expect(options.runners).toEqual(['floor', 'p-graph']);
    expect(options.reps).toBe(2);
    expect(json).toBe('/tmp/x.json');
  });

  it('rejects unknown options and bad values', () => {
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option --fast/);
    expect(() => parseArgs(['--sizes=0'])).toThrow(/--sizes/);
    expect(() => parseArgs(['--runners=nope'])).toThrow(/--runners/);
  });
});

describe('harness in quick mode on tiny graphs', () => {
  let results: BenchResults;

  beforeAll(async () => {
    results = await runBench({ ...QUICK, runners: RUNNER_IDS, sizes: [12, 30], reps: 1, ioN: 20, overheadTasks: 20, warmupN: 12, warmupRuns: 1, warmupMs: 0 });
  });

  /** Runners that time `validate()` on its own. */
  const VALIDATING: readonly RunnerId[] = ['portflow', 'portflow-deps', 'portflow-dynamic', 'portflow-events'];

  it('measures every runner on every shape and size', () => {
    expect(results.scheduling).toHaveLength(3 * 2 * RUNNER_IDS.length);
    for (const c of results.scheduling) {
      expect(c.status).toBe('ok');
      expect(c.samples).toHaveLength(1);
      const m = c.median!;
      for (const v of [m.usPerOp, m.rerunUsPerOp, m.buildUsPerOp, m.runMs]) expect(v).toBeGreaterThan(0);
      for (const v of [m.graphBytesPerOp, m.retainedBytesPerOp, m.heapAtEndBytesPerOp, m.peakRssBytesPerOp]) expect(Number.isFinite(v)).toBe(true);
      if (VALIDATING.includes(c.runner)) {
        expect(m.validateUsPerOp).toBeGreaterThan(0);
        expect(m.firstValidateUsPerOp).toBeGreaterThan(0);
      } else {
        expect(m.validateUsPerOp).toBeUndefined();
        expect(m.firstValidateUsPerOp).toBeUndefined();
      }
      expect([0, 1]).toContain(m.runsWithMajorGc);
      const s = c.samples[0]!;
      expect(s.rerunMs).toBeGreaterThan(0);
      expect(s.rewarm.runs).toBeGreaterThanOrEqual(1);
      for (const g of [s.gc.run, s.gc.rerun!]) {
        expect(Number.isInteger(g.major) && Number.isInteger(g.minor)).toBe(true);
        expect(g.pauseMs).toBeGreaterThanOrEqual(0);
      }
    }
    expect(Object.keys(results.labels).sort()).toEqual([...RUNNER_IDS].sort());
  });

  it('runs the I/O workload for every runner', () => {
    expect(results.io.map((c) => c.runner)).toEqual([...RUNNER_IDS]);
    for (const c of results.io) expect(c.median!.runMs).toBeGreaterThanOrEqual(19);
  });

  it('reports the worker-pool benchmarks, or the gap', () => {
    if (results.cpu.status === 'ok') {
      expect(results.cpu.pool!.tasks).toBe(16);
      expect(results.cpu.overhead!.tasks).toBe(20);
      expect(results.cpu.pool!.speedup).toBeGreaterThan(0);
    } else {
      expect(results.cpu.status).toBe('gap');
      expect(results.cpu.note).toMatch(/@portflow\/workers/);
    }
  });

  it('renders every section and one verdict per budget', () => {
    const md = renderMarkdown(results);
    for (const heading of [
      '## Scheduling overhead',
      '## Re-run of an already built graph',
      '## First runs paused by a mark-compact',
      '## Graph construction',
      '## `validate()` alone',
      '## Heap retained',
      '## Heap held by the built graph',
      '## I/O concurrency',
      '## Budgets',
    ]) {
      expect(md).toContain(heading);
    }
    expect(md).toMatch(/\| layered \| 30 \|/);
    const section = (heading: string): string => md.slice(md.indexOf(heading)).split('\n## ')[0]!;
    // Both run-time tables: every runner, then Portflow vs floor and what each variant adds.
    for (const heading of ['## Scheduling overhead', '## Re-run of an already built graph']) {
      const header = section(heading).split('\n').find((l) => l.startsWith('| workload'))!;
      for (const column of ['Portflow deps', 'Portflow dynamic', 'Portflow ÷ floor', 'Portflow deps ÷ floor', 'Portflow dynamic ÷ Portflow', 'Portflow + events − Portflow']) {
        expect(header).toContain(`| ${column} |`);
      }
      expect(section(heading)).not.toMatch(/\| n\/a \||not timed/);
    }
    expect(section('## Heap held by the built graph')).toContain('| Portflow dynamic ÷ Portflow |');
    // validate() alone: layered, one row per Portflow graph variant, and the ratio of the two sizes.
    const validate = section('## `validate()` alone');
    expect(validate).toContain('| N=12 | N=30 | 30 ÷ 12, per op | first call, N=12 | first call, N=30 |');
    for (const runner of ['Portflow', 'Portflow deps', 'Portflow dynamic']) expect(validate).toContain(`| layered | ${runner} |`);
    expect(validate).not.toContain('Portflow + events |');
    const budgets = checkBudgets(results);
    expect(budgets).toHaveLength(7);
    for (const b of budgets) expect(['met', 'missed', 'not measured']).toContain(b.verdict);
  });

  it('serialises to JSON and back', () => {
    const back = JSON.parse(JSON.stringify(results)) as BenchResults;
    expect(back.meta.sizes).toEqual([12, 30]);
    expect(back.scheduling[0]!.median!.usPerOp).toBe(results.scheduling[0]!.median!.usPerOp);
  });
});
