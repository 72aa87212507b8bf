import { DataChannel } from './data-channel';
import { GraphValidationError, OperationStateError, UnknownOperationError } from '../errors/errors';
import { analyzeGraph, type GraphAnalysis, type OrderingDependency } from './graph-analysis';
import type { GraphProblem } from './graph-problem';
import { renderDot, renderMermaid } from './graph-render';
import { Operation, type OperationPlacement } from '../model/operation';
import type { AcceptedInputPort, InputPortName, OutputPortName, OutputValue } from '../model/ports/port';
import { GraphInput } from '../model/graph-input';
import type { PortType } from '../model/ports/port-type';

/** An output of a graph: a name for one operation's output port. */
export interface GraphOutput {
  readonly name: string;
  readonly operation: Operation;
  readonly port: string;
}

/**
 * The names of `O` whose declared type can hold the value of port `P` of
 * `S`: the valid `name` arguments of {@link GraphDefinition.output}.
 */
export type GraphOutputName<O, V> = { [K in keyof O]-?: [V] extends [O[K]] ? K : never }[keyof O] & string;

/** Options of a {@link GraphDefinition}. */
export interface GraphOptions {
  /** Name used in messages and renderings (default `graph`). */
  name?: string;
  /**
   * Refuse operations without an explicit id instead of deriving one
   * (default false). Turn it on where ids must survive edits to the graph:
   * checkpoints, caches and re-runs from a step key their records by id.
   */
  requireIds?: boolean;
}

/**
 * A dataflow graph: operations, the channels between their ports, and
 * ordering-only dependencies. Build it, then hand it to an
 * `ExecutionEngine`; the engine validates it first.
 *
 * @example
 * ```ts
 * const graph = new GraphDefinition({ name: 'sum' });
 * const a = new Constant(2), b = new Constant(3), add = new Add({ id: 'add' });
 * graph.add(a, b, add);
 * graph.connect(a, 'value', add, 'a');
 * graph.connect(b, 'value', add, 'b');
 * graph.validate();
 * console.log(graph.toMermaid());
 * ```
 */
export class GraphDefinition<I extends object = {}, O extends object = {}> { // eslint-disable-line @typescript-eslint/no-empty-object-type
  /** Name used in messages and renderings. */
  readonly name: string;
  /** Whether operations must bring their own ids; see {@link GraphOptions.requireIds}. */
  readonly requireIds: boolean;
  private readonly _operations: Operation[] = [];
  /** Index of each operation in `_operations`. */
  private readonly _members = new Map<Operation, number>();
  private readonly _channels: DataChannel[] = [];
  private readonly _dependencies: OrderingDependency[] = [];
  private readonly _idCounters = new Map<string, number>();
  /** The first operation given each id. */
  private readonly _ids = new Map<string, Operation>();
  /** Operations whose id an earlier operation has (a validation problem). */
  private readonly _duplicates: Operation[] = [];
  private readonly _inputs = new Map<string, GraphInput>();
  private readonly _outputs = new Map<string, GraphOutput>();
  private _version = 0;
  private _analysis: { version: number; analysis: GraphAnalysis } | undefined;

  constructor(options: GraphOptions = {}) {
    this.name = options.name ?? 'graph';
    this.requireIds = options.requireIds === true;
  }

  /**
   * Adds an operation with its id and settings, as `op.with(placement)` would.
   *
   * @example
   * ```ts
   * graph.add(new Train(), { id: 'train', retry: { maxAttempts: 3 }, executor: 'gpu' });
   * ```
   */
  add(operation: Operation, placement: OperationPlacement): this;
  /**
   * Adds operations (once each; adding one again does nothing). Operations
   * without an id get one derived from their type name: `Add_1`, `Add_2`...
   * (see {@link OperationPlacement.id} for when that is stable).
   */
  add(...operations: Operation[]): this;
  add(...args: unknown[]): this {
    const placement = args.length === 2 && !(args[1] instanceof Operation) && typeof args[1] === 'object' && args[1] !== null ? (args[1] as OperationPlacement) : undefined;
    const operations = (placement === undefined ? args : [args[0]]) as Operation[];
    for (const op of operations) {
      if (!(op instanceof Operation)) {
        throw new TypeError(`GraphDefinition.add expects Operation instances, got ${String(op)}`);
      }
      if (placement !== undefined) op.with(placement);
      if (this._members.has(op)) continue;
      if (!op.hasId) {
        if (this.requireIds) {
          throw new OperationStateError(`Graph '${this.name}' requires explicit operation ids (requireIds: true): give this ${op.type} one with graph.add(op, { id: '...' })`);
        }
        op.assignId(this.deriveId(op));
      }
      const id = op.id;
      if (this._ids.has(id)) this._duplicates.push(op);
      else this._ids.set(id, op);
      this._members.set(op, this._operations.length);
      this._operations.push(op);
      this._version++;
    }
    return this;
  }

  /** Alias of `add` (both forms). */
  addOperation(...operations: Operation[]): this {
    return this.add(...operations);
  }

  /**
   * Connects output port `sourcePort` of `source` to input port `targetPort`
   * of `target`, adding either operation if it is not in the graph yet.
   * The compiler checks that `sourcePort` is an output of `source`,
   * `targetPort` an input of `target`, and that the value types fit;
   * {@link GraphDefinition.validate} checks the same at run time.
   *
   * @returns the channel, whose `values$` shows the values that pass.
   */
  connect<S extends Operation, SP extends OutputPortName<S>, T extends Operation, TP extends InputPortName<T>>(
    source: S,
    sourcePort: SP,
    target: T,
    targetPort: TP & AcceptedInputPort<T, TP, SP, OutputValue<S, SP>>,
  ): DataChannel<OutputValue<S, SP>> {
    const s = this._members.get(source) ?? this.indexOfAdded(source);
    const t = this._members.get(target) ?? this.indexOfAdded(target);
    const channel = new DataChannel<OutputValue<S, SP>>(source, sourcePort, target, targetPort, s, t);
    this._channels.push(channel as DataChannel);
    this._version++;
    return channel;
  }

  /**
   * Makes `dependent` run only after each of `prerequisites` has succeeded,
   * with no data passed. Adds any operation not yet in the graph.
   *
   * @example
   * ```ts
   * graph.dependsOn(report, cleanup); // report runs after cleanup
   * ```
   */
  dependsOn(dependent: Operation, ...prerequisites: Operation[]): this {
    if (!this._members.has(dependent)) this.add(dependent);
    for (const prerequisite of prerequisites) {
      if (!this._members.has(prerequisite)) this.add(prerequisite);
      this._dependencies.push({ dependent, prerequisite });
    }
    this._version++;
    return this;
  }

  /**
   * Declares a graph input and returns its source operation, whose `value`
   * port carries the value given to `engine.run(graph, { inputs })`. Declare
   * the inputs' types on the graph (`new GraphDefinition<{ path: string }>()`)
   * so that `run` is checked against them at compile time; `type` checks the
   * value at run time. Asking again for the same name returns the same source.
   *
   * @example
   * ```ts
   * const graph = new GraphDefinition<{ path: string; epochs: number }>();
   * graph.connect(graph.input('path', String), 'value', load, 'path');
   * graph.connect(graph.input('epochs', Number), 'value', train, 'epochs');
   * ```
   */
  input<K extends keyof I & string>(name: K, type?: PortType): GraphInput<I[K]> {
    const existing = this._inputs.get(name);
    if (existing !== undefined) return existing as GraphInput<I[K]>;
    if (typeof name !== 'string' || !/^[A-Za-z_][\w-]*$/.test(name)) {
      throw new TypeError(`Graph '${this.name}': input name ${JSON.stringify(name)} is not valid; use letters, digits, '_' or '-', starting with a letter`);
    }
    const source = new GraphInput<I[K]>(name, type);
    this._inputs.set(name, source as GraphInput);
    this.add(source);
    return source;
  }

  /**
   * Declares output port `port` of `operation` as the graph output `name`:
   * its value is kept until the run ends (others are released once read)
   * and appears in `result.outputs`. Declare the outputs' types on the graph
   * (`new GraphDefinition<{}, { accuracy: number }>()`); the compiler checks
   * that the port's type fits.
   *
   * @example
   * ```ts
   * graph.output('accuracy', evaluate, 'accuracy');
   * const result = await engine.run(graph);
   * if (result.isSuccessful()) console.log(result.outputs.accuracy.toFixed(3));
   * ```
   */
  output<S extends Operation, SP extends OutputPortName<S>, K extends GraphOutputName<O, OutputValue<S, SP>>>(name: K, operation: S, port: SP): this {
    if (this._outputs.has(name)) {
      throw new OperationStateError(`Graph '${this.name}' already has an output named '${name}'; give each output its own name`);
    }
    this.add(operation);
    this._outputs.set(name, { name, operation, port });
    this._version++;
    return this;
  }

  /** The declared graph inputs, by name. */
  get inputs(): ReadonlyMap<string, GraphInput> {
    return this._inputs;
  }

  /** The declared graph outputs, by name. */
  get outputs(): ReadonlyMap<string, GraphOutput> {
    return this._outputs;
  }

  /** Operations in the order they were added. */
  get operations(): readonly Operation[] {
    return this._operations;
  }

  /** Channels in the order they were connected. */
  get channels(): readonly DataChannel[] {
    return this._channels;
  }

  /** Ordering-only dependencies in the order they were declared. */
  get dependencies(): readonly OrderingDependency[] {
    return this._dependencies;
  }

  /** The operation with `id`; throws a clear error when there is none. */
  getOperation(id: string): Operation {
    const op = this._operations.find((o) => o.id === id);
    if (op === undefined) {
      throw new UnknownOperationError(`Graph '${this.name}' has no operation '${id}'`);
    }
    return op;
  }

  /**
   * Every problem with the graph (empty when it is valid): cycles, unknown
   * ports, unconnected required inputs, duplicate ids, extra sources and type
   * mismatches. Never throws.
   */
  findProblems(): readonly GraphProblem[] {
    return this.analysis().problems;
  }

  /**
   * Throws one {@link GraphValidationError} listing every problem, or
   * returns when the graph is valid. The engine calls it before each run;
   * the result is cached until the graph changes.
   */
  validate(): void {
    const { problems } = this.analysis();
    if (problems.length > 0) throw new GraphValidationError(this.name, problems);
  }

  /**
   * Operations in a deterministic topological order (ties keep insertion
   * order). Throws a {@link GraphValidationError} if the graph is invalid.
   */
  topologicalOrder(): Operation[] {
    this.validate();
    return Array.from(this.analysis().order, (i) => this._operations[i]!);
  }

  /** A Mermaid flowchart of the graph, port names on the edges. */
  toMermaid(): string {
    return renderMermaid(this);
  }

  /** A Graphviz DOT rendering of the graph, port names on the edges. */
  toDot(): string {
    return renderDot(this);
  }

  /** @internal validation result, cached per graph version. */
  analysis(): GraphAnalysis {
    if (this._analysis?.version !== this._version) {
      let analysis = analyzeGraph(this._operations, this._members, this._channels, this._dependencies, this._duplicates, this._ids);
      const extra: GraphProblem[] = [];
      for (const out of this._outputs.values()) {
        if (out.operation.getPort(out.port, 'output') === undefined) {
          const available = out.operation.outputPorts.map((p) => `'${p.name}'`).join(', ') || '(none)';
          extra.push({
            kind: 'unknown-port',
            operationId: out.operation.id,
            port: out.port,
            direction: 'output',
            message: `Graph output '${out.name}' names output port '${out.port}' of operation '${out.operation.id}', which has no such port: its output ports are ${available}.`,
          });
        }
      }
      if (extra.length > 0) analysis = { ...analysis, problems: [...analysis.problems, ...extra], compiled: undefined };
      this._analysis = { version: this._version, analysis };
    }
    return this._analysis.analysis;
  }

  /**
   * A number that increases on every change to the graph (operations,
   * channels, dependencies, outputs), so tools can cache what they derive
   * from it: `if (cached.revision !== graph.revision) recompute()`.
   */
  get revision(): number {
    return this._version;
  }

  /** @internal the same as {@link GraphDefinition.revision}. */
  get version(): number {
    return this._version;
  }

  /** Adds `op` and returns its index. */
  private indexOfAdded(op: Operation): number {
    this.add(op);
    return this._members.get(op)!;
  }

  private deriveId(op: Operation): string {
    const base = op.type.replace(/[^A-Za-z0-9_.:\-/]/g, '_');
    let n = this._idCounters.get(base) ?? 0;
    let id: string;
    do id = `${base}_${++n}`;
    while (this._ids.has(id));
    this._idCounters.set(base, n);
    return id;
  }
}
