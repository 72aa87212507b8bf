import {
  DynamicOperation,
  GraphDefinition,
  GraphValidationError,
  Input,
  Operation,
  Output,
  type CycleProblem,
  type GraphProblem,
  type InputPort,
  type OutputPort,
} from '..';
import { Add, Constant, Format, Relay, Shout, Sum } from '../__fixtures__/operations';

class Loose extends DynamicOperation {
  constructor(id: string, ins: string[] = [], outs: string[] = []) {
    super({ id });
    for (const name of ins) this.addInputPort(name);
    for (const name of outs) this.addOutputPort(name);
  }
  execute(): void {}
}

function problems(graph: GraphDefinition): readonly GraphProblem[] {
  return graph.findProblems();
}

describe('GraphDefinition.validate', () => {
  it('accepts a valid graph', () => {
    const graph = new GraphDefinition();
    graph.connect(new Constant(1), 'value', new Format(), 'value');
    expect(() => graph.validate()).not.toThrow();
    expect(problems(graph)).toEqual([]);
  });

  it('reports a cycle with its path', () => {
    const graph = new GraphDefinition();
    const a = new Relay({ id: 'a' });
    const b = new Relay({ id: 'b' });
    const c = new Relay({ id: 'c' });
    graph.connect(a, 'out', b, 'in');
    graph.connect(b, 'out', c, 'in');
    graph.connect(c, 'out', a, 'in');
    const [cycle] = problems(graph);
    expect(cycle).toMatchObject({ kind: 'cycle' });
    const path = (cycle as CycleProblem).path;
    expect(path).toHaveLength(4);
    expect(path[0]).toBe(path[3]);
    expect(new Set(path)).toEqual(new Set(['a', 'b', 'c']));
    // The path follows the edges: each id is followed by its successor.
    const next = { a: 'b', b: 'c', c: 'a' } as Record<string, string>;
    for (let i = 0; i < 3; i++) expect(path[i + 1]).toBe(next[path[i]!]);
    expect(cycle!.message).toContain(`${path.join(' -> ')}`);
  });

  it('reports a cycle made of ordering dependencies, and each separate cycle once', () => {
    const graph = new GraphDefinition();
    const [a, b, c, d, tail] = ['a', 'b', 'c', 'd', 'tail'].map((id) => new Relay({ id }));
    graph.dependsOn(a!, b!).dependsOn(b!, a!);
    graph.dependsOn(c!, d!).dependsOn(d!, c!);
    graph.dependsOn(tail!, a!);
    const cycles = problems(graph).filter((p) => p.kind === 'cycle');
    expect(cycles).toHaveLength(2);
  });

  it('reports a required input that is not connected, naming operation and port', () => {
    const graph = new GraphDefinition();
    graph.add(new Add({ id: 'adder' }));
    const found = problems(graph);
    expect(found.map((p) => p.kind)).toEqual(['unconnected-input', 'unconnected-input']);
    expect(found[0]).toMatchObject({ operationId: 'adder', port: 'a' });
    expect(found[0]!.message).toMatch(/Input port 'a' of operation 'adder' is not connected/);
  });

  it('lets optional inputs and empty collecting inputs stay unconnected', () => {
    const graph = new GraphDefinition();
    graph.connect(new Constant(1), 'value', new Format({ id: 'f' }), 'value'); // prefix has a default
    graph.add(new Sum({ id: 'sum' }), new Relay({ id: 'relay' }));
    expect(problems(graph)).toEqual([]);
  });

  it('reports unknown ports, and ports used in the wrong direction, naming what exists', () => {
    const graph = new GraphDefinition();
    const source = new Loose('src', [], ['out']);
    const target = new Loose('dst', ['in'], []);
    graph.connect(source, 'nope', target, 'in');
    graph.connect(source, 'out', target, 'out');
    const found = problems(graph);
    // Both channels are broken, so 'in' is also left unconnected.
    expect(found.map((p) => p.kind)).toEqual(['unknown-port', 'unknown-port', 'unconnected-input']);
    expect(found[0]).toMatchObject({ kind: 'unknown-port', operationId: 'src', port: 'nope', direction: 'output' });
    expect(found[0]!.message).toContain("Operation 'src' (Loose) has no output port 'nope': its output ports are 'out'");
    expect(found[1]).toMatchObject({ kind: 'unknown-port', operationId: 'dst', port: 'out', direction: 'input' });
    expect(found[1]!.message).toContain("its input ports are 'in'");
  });

  it('says when a port faces the other way', () => {
    const graph = new GraphDefinition();
    const add = new Add({ id: 'add' });
    graph.connect(add as never as Loose, 'a', new Loose('dst', ['in']), 'in');
    const unknown = problems(graph).find((p) => p.kind === 'unknown-port')!;
    expect(unknown.message).toContain("has no output port 'a': 'a' is an input port");
  });

  it('reports duplicate operation ids', () => {
    const graph = new GraphDefinition();
    graph.add(new Constant(1, { id: 'same' }), new Constant(2, { id: 'same' }));
    expect(problems(graph)).toEqual([
      expect.objectContaining({ kind: 'duplicate-id', operationId: 'same', message: expect.stringContaining("Two operations have the id 'same'") }),
    ]);
  });

  it('reports two sources into a single-source input, listing them', () => {
    const graph = new GraphDefinition();
    const shout = new Shout({ id: 'shout' });
    graph.connect(new Format({ id: 'f1' }), 'text', shout, 'text');
    graph.connect(new Format({ id: 'f2' }), 'text', shout, 'text');
    graph.connect(new Constant(1, { id: 'c1' }), 'value', graph.getOperation('f1') as Format, 'value');
    graph.connect(new Constant(2, { id: 'c2' }), 'value', graph.getOperation('f2') as Format, 'value');
    expect(problems(graph)).toEqual([
      expect.objectContaining({ kind: 'multiple-sources', operationId: 'shout', port: 'text', sources: ['f1.text', 'f2.text'] }),
    ]);
    expect(problems(graph)[0]!.message).toContain('declare the port with @Collect');
  });

  it('accepts many sources into a collecting input', () => {
    const graph = new GraphDefinition();
    const sum = new Sum();
    for (let i = 0; i < 3; i++) graph.connect(new Constant(i), 'value', sum, 'terms');
    expect(problems(graph)).toEqual([]);
  });

  it('reports a runtime type mismatch between connected ports', () => {
    class Text extends Operation {
      @Output(String) text!: OutputPort<string>;
      execute() {
        return { text: 'x' };
      }
    }
    class NeedsNumber extends DynamicOperation {
      constructor() {
        super({ id: 'needs' });
        this.addInputPort('n', { type: Number });
      }
      execute(): void {}
    }
    const graph = new GraphDefinition();
    graph.connect(new Text({ id: 'text' }), 'text', new NeedsNumber(), 'n');
    expect(problems(graph)).toEqual([
      expect.objectContaining({
        kind: 'type-mismatch',
        source: { operationId: 'text', port: 'text', type: 'string' },
        target: { operationId: 'needs', port: 'n', type: 'number' },
      }),
    ]);
    expect(problems(graph)[0]!.message).toContain('text.text -> needs.n connects string to number');
  });

  it('reports invalid operation settings', () => {
    class Bad extends Operation {
      @Input(Number, { optional: true }) x!: InputPort<number | undefined>;
      execute(): void {}
    }
    const graph = new GraphDefinition();
    graph.add(new Bad({ id: 'bad', retry: { maxAttempts: 0 }, timeoutMs: -1, resource: 'gpu' as never }));
    const messages = problems(graph).map((p) => p.message);
    expect(messages).toEqual([
      "Operation 'bad' settings: retry: maxAttempts must be a whole number >= 1 (got 0).",
      "Operation 'bad' settings: timeoutMs must be a number > 0 (got -1).",
      "Operation 'bad' settings: resource must be one of cpu_bound, io_bound, network_bound, memory_bound (got gpu).",
    ]);
  });

  it('throws one GraphValidationError listing every problem', () => {
    const graph = new GraphDefinition({ name: 'broken' });
    graph.add(new Add({ id: 'x' }), new Constant(1, { id: 'dup' }), new Constant(2, { id: 'dup' }));
    let error: unknown;
    try {
      graph.validate();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GraphValidationError);
    const validation = error as GraphValidationError;
    expect(validation.code).toBe('PORTFLOW_GRAPH_INVALID');
    expect(validation.problems.map((p) => p.kind).sort()).toEqual(['duplicate-id', 'unconnected-input', 'unconnected-input']);
    expect(validation.message).toMatch(/^Graph 'broken' has 3 problems:\n {2}- /);
  });

  it('revalidates after the graph changes', () => {
    const graph = new GraphDefinition();
    const add = new Add();
    graph.add(add);
    expect(problems(graph)).toHaveLength(2);
    graph.connect(new Constant(1), 'value', add, 'a');
    graph.connect(new Constant(2), 'value', add, 'b');
    expect(problems(graph)).toHaveLength(0);
  });

  it('validates a 10,000-operation graph in linear work', () => {
    const steps = (n: number): number => {
      const graph = new GraphDefinition();
      let previous = new Relay();
      graph.add(previous);
      for (let i = 1; i < n; i++) {
        const next = new Relay();
        graph.connect(previous, 'out', next, 'in');
        if (i % 3 === 0) graph.dependsOn(next, graph.operations[Math.floor(i / 2)]!);
        previous = next;
      }
      expect(graph.findProblems()).toEqual([]);
      return graph.analysis().steps;
    };
    const small = steps(1_000);
    const large = steps(10_000);
    // Ten times the operations and edges: about ten times the work, not a hundred.
    expect(large / small).toBeGreaterThan(9);
    expect(large / small).toBeLessThan(11);
  });

  it('finds a cycle in a 10,000-operation graph in linear work', () => {
    const graph = new GraphDefinition();
    const ops = Array.from({ length: 10_000 }, (_, i) => new Relay({ id: `r${i}` }));
    for (let i = 1; i < ops.length; i++) graph.connect(ops[i - 1]!, 'out', ops[i]!, 'in');
    graph.dependsOn(ops[0]!, ops[9_999]!);
    const found = graph.findProblems();
    expect(found.map((p) => p.kind)).toEqual(['cycle']);
    expect((found[0] as CycleProblem).path).toHaveLength(10_001);
    expect(graph.analysis().steps).toBeLessThan(10 * 20_000);
  });
});

describe('GraphDefinition building', () => {
  it('adds operations once, in order, with addOperation as an alias', () => {
    const graph = new GraphDefinition();
    const a = new Constant(1);
    const b = new Constant(2);
    graph.add(a).addOperation(b, a);
    expect(graph.operations).toEqual([a, b]);
  });

  it('adds both ends of a connection and returns the channel', () => {
    const graph = new GraphDefinition();
    const c = new Constant(1, { id: 'c' });
    const f = new Format({ id: 'f' });
    const channel = graph.connect(c, 'value', f, 'value');
    expect(graph.operations).toEqual([c, f]);
    expect(graph.channels).toEqual([channel]);
    expect(channel).toMatchObject({ source: c, sourcePort: 'value', target: f, targetPort: 'value' });
    expect(String(channel)).toBe('c.value -> f.value');
  });

  it('records ordering dependencies', () => {
    const graph = new GraphDefinition();
    const first = new Relay({ id: 'first' });
    const second = new Relay({ id: 'second' });
    graph.dependsOn(second, first);
    expect(graph.dependencies).toEqual([{ dependent: second, prerequisite: first }]);
    expect(graph.topologicalOrder()).toEqual([first, second]);
  });

  it('rejects non-operations in add', () => {
    expect(() => new GraphDefinition().add({} as never)).toThrow('GraphDefinition.add expects Operation instances');
  });

  it('looks operations up by id, with a clear error for unknown ids', () => {
    const graph = new GraphDefinition({ name: 'g' });
    const c = new Constant(1, { id: 'c' });
    graph.add(c);
    expect(graph.getOperation('c')).toBe(c);
    expect(() => graph.getOperation('nope')).toThrow("Graph 'g' has no operation 'nope'");
  });

  it('orders operations topologically, ties in insertion order', () => {
    const graph = new GraphDefinition();
    const sum = new Sum({ id: 'sum' });
    const late = new Constant(1, { id: 'late' });
    const early = new Constant(2, { id: 'early' });
    graph.add(sum, early, late);
    graph.connect(late, 'value', sum, 'terms');
    graph.connect(early, 'value', sum, 'terms');
    expect(graph.topologicalOrder().map((o) => o.id)).toEqual(['early', 'late', 'sum']);
  });
});

describe('GraphDefinition renderings', () => {
  function diamond(): GraphDefinition {
    const graph = new GraphDefinition({ name: 'diamond' });
    const c = new Constant(1, { id: 'c' });
    const f = new Format({ id: 'f' });
    const s = new Shout({ id: 's' });
    graph.connect(c, 'value', f, 'value');
    graph.connect(f, 'text', s, 'text');
    graph.dependsOn(s, c);
    return graph;
  }

  it('renders Mermaid with port names on the edges and dashed ordering edges', () => {
    expect(diamond().toMermaid()).toBe(
      [
        'flowchart LR',
        '  n0["c<br/><small>Constant</small>"]',
        '  n1["f<br/><small>Format</small>"]',
        '  n2["s<br/><small>Shout</small>"]',
        '  n0 -- "value → value" --> n1',
        '  n1 -- "text → text" --> n2',
        '  n0 -.-> n2',
        '',
      ].join('\n'),
    );
  });

  it('renders DOT with port names on the edges and escaped labels', () => {
    const dot = diamond().toDot();
    expect(dot).toContain('digraph "diamond" {');
    expect(dot).toContain('"c" -> "f" [label="value → value"];');
    expect(dot).toContain('"c" -> "s" [style=dashed];');
    expect(dot).toContain('"f" [label="f\\nFormat"];');
  });
});

describe('Input port declarations at run time', () => {
  it('reports a typed guard port fed by an untyped source as compatible', () => {
    class TakesAny extends Operation {
      @Input() x!: InputPort<unknown>;
      execute(): void {}
    }
    const graph = new GraphDefinition();
    graph.connect(new Constant(1), 'value', new TakesAny(), 'x');
    expect(problems(graph)).toEqual([]);
  });
});
