import fc from 'fast-check';
import { Collect, ExecutionEngine, GraphDefinition, Operation, Output, type CollectInputPort, type EngineEvent, type ExecutionContext, type Inputs, type OutputPort, type Outputs } from '..';
import { eventInvariantViolations } from '../testing/event-invariants';

/** Mixes inputs in order, so a wrong order or a missing value changes the result. */
function combine(weight: number, inputs: readonly number[]): number {
  return inputs.reduce((h, v) => (h * 31 + v) % 1_000_003, weight);
}

/** A node of a random DAG: logs its start and end, awaits a few times, may fail. */
class Node extends Operation {
  @Collect(Number) ins!: CollectInputPort<number>;
  @Output(Number) out!: OutputPort<number>;

  constructor(
    readonly label: number,
    private readonly weight: number,
    private readonly awaits: number,
    private readonly fails: boolean,
  ) {
    super({ id: `n${label}` });
  }

  execute({ ins }: Inputs<Node>, context: ExecutionContext): Outputs<Node> | Promise<Outputs<Node>> {
    const log = context.variables.log as string[];
    log.push(`start:${this.label}`);
    const finish = (): Outputs<Node> => {
      log.push(`end:${this.label}`);
      if (this.fails) throw new Error(`node ${this.label} fails`);
      return { out: combine(this.weight, ins) };
    };
    if (this.awaits === 0) return finish(); // synchronous
    return (async () => {
      for (let k = 0; k < this.awaits; k++) await Promise.resolve();
      return finish();
    })();
  }
}

interface Edge {
  readonly from: number;
  readonly to: number;
  /** true: ordering-only dependency; false: a channel carrying `out` into `ins`. */
  readonly orderingOnly: boolean;
}

interface Dag {
  readonly n: number;
  readonly edges: readonly Edge[];
  readonly weights: readonly number[];
  readonly awaits: readonly number[];
  readonly failing: readonly boolean[];
  /** The order operations are added to the graph (so the topological order is not simply insertion order). */
  readonly insertion: readonly number[];
  readonly maxParallel: number;
}

/** Random DAGs over labels 0..n-1 with edges from lower to higher labels (labels are a topological order). */
const dags = (failureRate: number): fc.Arbitrary<Dag> =>
  fc.integer({ min: 1, max: 24 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      edges: fc
        .array(fc.record({ a: fc.nat(n - 1), b: fc.nat(n - 1), orderingOnly: fc.boolean() }), { maxLength: 3 * n })
        .map((raw) => raw.filter((e) => e.a !== e.b).map((e) => ({ from: Math.min(e.a, e.b), to: Math.max(e.a, e.b), orderingOnly: e.orderingOnly }))),
      weights: fc.array(fc.nat(1000), { minLength: n, maxLength: n }),
      awaits: fc.array(fc.nat(4), { minLength: n, maxLength: n }),
      failing: fc.array(fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x < failureRate), { minLength: n, maxLength: n }),
      insertion: fc.shuffledSubarray(
        Array.from({ length: n }, (_, k) => k),
        { minLength: n, maxLength: n },
      ),
      maxParallel: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 4 })),
    }),
  );

function build(dag: Dag) {
  const nodes = dag.weights.map((w, k) => new Node(k, w, dag.awaits[k]!, dag.failing[k]!));
  const graph = new GraphDefinition({ name: 'random' });
  graph.add(...dag.insertion.map((k) => nodes[k]!));
  for (const e of dag.edges) {
    if (e.orderingOnly) graph.dependsOn(nodes[e.to]!, nodes[e.from]!);
    else graph.connect(nodes[e.from]!, 'out', nodes[e.to]!, 'ins');
  }
  return { graph, nodes };
}

/** Sequential reference: evaluates labels in order (a topological order). */
function reference(dag: Dag) {
  const status: ('succeeded' | 'failed' | 'skipped')[] = [];
  const out: (number | undefined)[] = [];
  for (let j = 0; j < dag.n; j++) {
    const parents = dag.edges.filter((e) => e.to === j);
    if (parents.some((e) => status[e.from] !== 'succeeded')) {
      status.push('skipped');
      out.push(undefined);
    } else if (dag.failing[j]) {
      status.push('failed');
      out.push(undefined);
    } else {
      status.push('succeeded');
      out.push(combine(dag.weights[j]!, parents.filter((e) => !e.orderingOnly).map((e) => out[e.from]!)));
    }
  }
  return { status, out };
}

async function runDag(dag: Dag, failurePolicy: 'failFast' | 'continue') {
  const { graph, nodes } = build(dag);
  const log: string[] = [];
  const run = new ExecutionEngine({ maxParallel: dag.maxParallel, failurePolicy }).start(graph, { variables: { log }, retainOutputs: true });
  const events: EngineEvent[] = [];
  run.events$.subscribe((e) => events.push(e));
  const result = await run.result;
  return { result, nodes, log, events };
}

describe('random DAGs', () => {
  it('run every operation exactly once, after all its parents, with the outputs of a sequential run', async () => {
    await fc.assert(
      fc.asyncProperty(dags(0), async (dag) => {
        const { result, nodes, log, events } = await runDag(dag, 'failFast');
        const expected = reference(dag);
        expect(result.status).toBe('succeeded');
        for (let k = 0; k < dag.n; k++) {
          expect(log.filter((x) => x === `start:${k}`)).toHaveLength(1);
          expect(result.getOutput(nodes[k]!, 'out')).toBe(expected.out[k]);
        }
        for (const e of dag.edges) expect(log.indexOf(`end:${e.from}`)).toBeLessThan(log.indexOf(`start:${e.to}`));
        expect(eventInvariantViolations(events, dag.n)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it("under 'continue', run exactly what no failure is upstream of, and skip the rest", async () => {
    await fc.assert(
      fc.asyncProperty(dags(0.2), async (dag) => {
        const { result, log, events } = await runDag(dag, 'continue');
        const expected = reference(dag);
        for (const r of result.operations) expect(r.status).toBe(expected.status[Number(r.operationId.slice(1))]);
        for (let k = 0; k < dag.n; k++) {
          expect(log.filter((x) => x === `start:${k}`)).toHaveLength(expected.status[k] === 'skipped' ? 0 : 1);
        }
        expect(result.status).toBe(expected.status.includes('failed') ? 'failed' : 'succeeded');
        for (const skipped of result.operations.filter((r) => r.status === 'skipped')) {
          expect(expected.status[Number(skipped.upstreamOperationId!.slice(1))]).toBe('failed');
        }
        expect(eventInvariantViolations(events, dag.n)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it("under 'failFast', start nothing after the first failure and succeed only where every parent did", async () => {
    await fc.assert(
      fc.asyncProperty(dags(0.2), async (dag) => {
        const { result, events } = await runDag(dag, 'failFast');
        const firstFailure = events.findIndex((e) => e.type === 'OperationFailed');
        if (firstFailure >= 0) {
          expect(result.status).toBe('failed');
          expect(events.slice(firstFailure).some((e) => e.type === 'OperationStarted')).toBe(false);
        }
        const status = new Map(result.operations.map((r) => [Number(r.operationId.slice(1)), r.status]));
        for (const e of dag.edges) {
          if (status.get(e.to) === 'succeeded' || status.get(e.to) === 'failed') expect(status.get(e.from)).toBe('succeeded');
        }
        for (const [k, s] of status) if (s === 'failed') expect(dag.failing[k]).toBe(true);
        expect(eventInvariantViolations(events, dag.n)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
});
