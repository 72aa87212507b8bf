import type { DefinedOperationClass, PortSpecs, SpecOutputs } from '../model/define-operation';
import { OperationStateError } from '../errors/errors';
import { ExecutionEngine, type EngineOptions, type RunOptions } from '../engine/execution-engine';
import type { ExecutionResult } from '../results/execution-result';
import { GraphDefinition } from '../graph/graph-definition';
import { Value } from '../model/graph-input';
import type { Operation, OperationPlacement } from '../model/operation';
import type { RunHandle } from '../engine/run-handle';

/**
 * The value an output port of an operation called in a {@link Flow} will
 * have. Awaiting any future of a flow starts its run (once); a future
 * resolves as soon as its operation succeeds and rejects if it fails or is
 * skipped. Pass futures to further `flow.call`s to wire the graph.
 */
export class Future<T> implements PromiseLike<T> {
  /** @internal made by Flow.call */
  constructor(
    private readonly flow: Flow,
    /** The operation whose output this is. */
    readonly operation: Operation,
    /** The output port. */
    readonly port: string,
  ) {}

  then<A = T, B = never>(onValue?: ((value: T) => A | PromiseLike<A>) | null, onError?: ((error: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return (this.flow.start().output(this.operation as never, this.port as never) as Promise<T>).then(onValue, onError);
  }
}

/** The futures a call in a {@link Flow} returns: one per output port. */
export type Futures<O> = { readonly [K in keyof O]: Future<O[K]> };

/** What a call in a {@link Flow} takes for each input: a value or a future of one. */
export type FlowInputs<I extends PortSpecs, C extends DefinedOperationClass<I, PortSpecs>> = NonNullable<C['__ports']> extends { inputs: infer V; optional: infer Opt }
  ? { readonly [K in Exclude<keyof V, Opt>]: V[K] | Future<V[K]> } & { readonly [K in Opt & keyof V]?: V[K] | Future<V[K]> }
  : never;

/** Options of a {@link Flow}. */
export interface FlowOptions {
  /** Name of the flow's graph (default `flow`). */
  name?: string;
  /** The engine to run on (default: a new one, closed when the run ends). */
  engine?: ExecutionEngine;
  /** Options of the engine the flow creates when none is given. */
  engineOptions?: EngineOptions;
  /** Options of the run (signal, variables, failure policy, ...). */
  runOptions?: Omit<RunOptions, 'inputs'>;
}

/**
 * A futures-style script API in the spirit of Parsl: call defined operations
 * with values or futures, get futures back; the calls build a graph, and the
 * first `await` of a future runs it. Independent calls run in parallel, and
 * each future resolves as soon as its operation is done.
 *
 * @example
 * ```ts
 * const flow = new Flow();
 * const { rows } = flow.call(Load, { path: 'data.csv' });
 * const { model } = flow.call(Train, { rows, epochs: 10 });
 * const { accuracy } = flow.call(Evaluate, { model, rows });
 * console.log(await accuracy);
 * ```
 */
export class Flow {
  /** The graph the calls build. */
  readonly graph: GraphDefinition;
  private readonly options: FlowOptions;
  private handle: RunHandle | undefined;
  private count = 0;

  constructor(options: FlowOptions = {}) {
    this.options = options;
    this.graph = new GraphDefinition({ name: options.name ?? 'flow' });
  }

  /**
   * Adds a call of `operation` with `inputs` (values or futures) and returns
   * one future per output port. `placement` sets the call's id and settings
   * (default id: the type name and a counter).
   */
  call<I extends PortSpecs, O extends PortSpecs>(
    operation: DefinedOperationClass<I, O>,
    inputs: FlowInputs<I, DefinedOperationClass<I, O>>,
    placement: OperationPlacement = {},
  ): Futures<SpecOutputs<O>> {
    if (this.handle !== undefined) {
      throw new OperationStateError(`Flow '${this.graph.name}' is already running: make every call before awaiting a future, or start a new Flow`);
    }
    const op = new operation({ id: `${operation.operationType}_${++this.count}`, ...placement });
    this.graph.add(op);
    for (const [name, given] of Object.entries(inputs as Record<string, unknown>)) {
      if (op.getPort(name, 'input') === undefined) {
        const known = op.inputPorts.map((p) => `'${p.name}'`).join(', ') || '(none)';
        throw new TypeError(`${operation.operationType} has no input '${name}'; its inputs are ${known}`);
      }
      const source = given instanceof Future ? given : undefined;
      if (source !== undefined) {
        if (!this.owns(source)) throw new OperationStateError(`The future for '${source.operation.id}.${source.port}' belongs to another Flow; pass values between flows with await`);
        this.graph.connect(source.operation, source.port as never, op, name as never);
      } else {
        this.graph.connect(new Value(given, { id: `${op.id}.${name}` }), 'value', op, name as never);
      }
    }
    const futures: Record<string, Future<unknown>> = {};
    for (const out of op.outputPorts) futures[out.name] = new Future(this, op, out.name);
    return futures as Futures<SpecOutputs<O>>;
  }

  /** Starts the run (once; awaiting a future does it too) and returns its handle: events, progress, cancel. */
  start(): RunHandle {
    if (this.handle === undefined) {
      const engine = this.options.engine ?? new ExecutionEngine(this.options.engineOptions);
      // Every output may be awaited through a future at any time: keep them all.
      const handle = engine.start(this.graph, { retainOutputs: true, ...this.options.runOptions });
      if (this.options.engine === undefined) void handle.result.then(() => engine.close());
      this.handle = handle;
    }
    return this.handle;
  }

  /** Runs the flow (if not yet started) and resolves with its result. */
  result(): Promise<ExecutionResult<object>> {
    return this.start().result;
  }

  private owns(future: Future<unknown>): boolean {
    return this.graph.operations.includes(future.operation);
  }
}
