import { InvalidParamsError, OperationStateError } from '../errors/errors';
import type { CompiledPort } from './ports/port-descriptor';
import { withPort } from './ports/port-layouts';
import { readClassPorts, readOperationDefaults, readOperationIdentity } from './metadata/read';
import type { DynamicPorts, Outputs, PortDescriptor, PortDirection, PortOptions } from './ports/port';
import type { ExecutionContext } from './execution-context';
import type { OperationSettings } from './operation-settings';
import { frozenJson, jsonProblem } from './plain-data';
import { refSettings, type ModuleLocation, type OperationRef } from './operation-ref';

/** Settings plus an id: what `graph.add(op, ...)` and `op.with(...)` accept. */
export interface OperationPlacement extends OperationSettings {
  /**
   * Stable id used in events, results, run records and checkpoints. When
   * omitted, the graph derives one from the type name, counted per type in
   * the order of `add` calls (`Add_1`, `Add_2`): adding operations of other
   * types never shifts it, but adding one more `Add` before it does. Give ids
   * explicitly wherever they must survive edits to the graph (checkpoints,
   * caches, re-runs from a step); `new GraphDefinition({ requireIds: true })`
   * enforces that.
   */
  id?: string;
}

/**
 * Constructor options every operation accepts: its {@link OperationPlacement}
 * (id and settings) and its params. `params` is required when the params
 * type has required keys.
 */
export type OperationInit<P extends object = object> = OperationPlacement & ({} extends P ? { params?: P } : { params: P }); // eslint-disable-line @typescript-eslint/no-empty-object-type

/** What `execute` may return, for annotating it: the outputs, or nothing when there are none. */
export type ExecuteResult<O> = Outputs<O> | void | Promise<Outputs<O> | void>;

const ID_PATTERN = /^[A-Za-z0-9_.:\-/]+$/;

/**
 * A unit of work with typed input and output ports. Subclass it, declare
 * ports with `@Input` / `@Output` / `@Collect` on properties typed
 * `InputPort<T>` / `OutputPort<T>` / `CollectInputPort<T>`, and implement
 * `execute`, which receives the inputs as an object and returns the outputs.
 *
 * Operations hold configuration, never per-run state: the same instance may
 * run in several runs at once, each with its own inputs and context.
 *
 * @example
 * ```ts
 * class Add extends Operation {
 *   @Input(Number) a!: InputPort<number>;
 *   @Input(Number) b!: InputPort<number>;
 *   @Output(Number) sum!: OutputPort<number>;
 *   execute({ a, b }: Inputs<Add>): Outputs<Add> {
 *     return { sum: a + b };
 *   }
 * }
 * ```
 */
export abstract class Operation<P extends object = object> {
  /**
   * The operation's params: JSON data, deep-frozen, given as `params` to the
   * constructor and checked by {@link Operation.validateParams}. Params are
   * part of the operation's identity ({@link Operation.toRef}): two
   * operations of one type and version with equal params compute the same
   * outputs from the same inputs.
   */
  readonly params: Readonly<P>;
  private _id: string | undefined;
  private _extraPorts: ReadonlyMap<string, CompiledPort> | undefined;
  private _settings: Readonly<OperationSettings>;
  private _planned = false;

  constructor(...[init]: {} extends P ? [init?: OperationInit<P>] : [init: OperationInit<P>]) { // eslint-disable-line @typescript-eslint/no-empty-object-type
    const given = init as (OperationPlacement & { params?: P }) | undefined;
    const id = given?.id;
    const params = given?.params;
    if (id !== undefined) this._id = checkId(id, new.target.name);
    const defaults = readOperationDefaults(new.target);
    this._settings = given === undefined ? defaults : withSettings(defaults, given);
    if (params === undefined) {
      this.params = EMPTY_PARAMS as Readonly<P>;
    } else {
      const problem = params === null || typeof params !== 'object' || Array.isArray(params) ? `params must be an object (got ${params === null ? 'null' : Array.isArray(params) ? 'an array' : typeof params})` : jsonProblem(params, 'params');
      if (problem !== undefined) throw new InvalidParamsError(readOperationIdentity(new.target).type, [problem]);
      this.params = frozenJson(params);
    }
    const problems = this.validateParams(this.params);
    if (problems.length > 0) throw new InvalidParamsError(readOperationIdentity(new.target).type, problems);
  }

  /**
   * Checks the params; returns one sentence per problem (empty when they are
   * fine). Called by the constructor, which throws an `InvalidParamsError`
   * listing every problem. Override it to validate your params.
   *
   * @example
   * ```ts
   * protected override validateParams({ factor }: Readonly<{ factor: number }>): string[] {
   *   return factor > 0 ? [] : [`factor must be > 0 (got ${factor})`];
   * }
   * ```
   */
  protected validateParams(params: Readonly<P>): readonly string[] { // eslint-disable-line @typescript-eslint/no-unused-vars
    return [];
  }

  /**
   * The operation's type name: `@OperationOptions({ type })` on its class, or
   * the class name. Stable across processes; see {@link Operation.toRef}.
   */
  get type(): string {
    return readOperationIdentity(this.constructor).type;
  }

  /** The version of the operation's behaviour: `@OperationOptions({ version })` on its class, or 1. */
  get version(): number {
    return readOperationIdentity(this.constructor).version;
  }

  /**
   * Sets an id and settings on this operation and returns it, for building
   * graphs fluently: `graph.add(new Train().with({ retry: { maxAttempts: 3 }, executor: 'gpu' }))`.
   * Settings given here override the class's `@OperationOptions` and the
   * constructor's. Settings are fixed once a graph holding the operation has
   * run; changing them afterwards throws.
   */
  with(placement: OperationPlacement): this {
    if (placement === null || typeof placement !== 'object') {
      throw new TypeError(`${this.toString()}.with() expects an object of settings (got ${String(placement)})`);
    }
    const { id, ...settings } = placement;
    if (this._planned && Object.keys(dropUndefined(settings)).length > 0) {
      throw new OperationStateError(`${this.toString()}: settings are fixed once a graph holding the operation has run; set them before the first run (or create a new operation)`);
    }
    if (id !== undefined) {
      const checked = checkId(id, this.constructor.name);
      if (this._id !== undefined && this._id !== checked) {
        throw new OperationStateError(`${this.toString()} already has id '${this._id}'; an operation's id cannot change (asked for '${checked}')`);
      }
      this._id = checked;
    }
    this._settings = Object.freeze({ ...this._settings, ...dropUndefined(settings) });
    return this;
  }

  /**
   * This operation as plain JSON data: type, version, params, id, the
   * settings that are data (a `retry.retryOn` function stays with the
   * engine that coordinates retries) and, when known, the module other
   * processes load its class from. An {@link OperationResolver} turns it back
   * into an operation anywhere.
   *
   * @param module - where the class is exported, overriding `@OperationOptions({ module })`.
   */
  toRef(module?: ModuleLocation): OperationRef {
    const identity = readOperationIdentity(this.constructor);
    const location = module ?? (identity.module === undefined ? undefined : { specifier: identity.module, export: identity.exportName });
    return {
      type: identity.type,
      version: identity.version,
      params: this.params as OperationRef['params'],
      ...(this._id === undefined ? {} : { id: this._id }),
      settings: refSettings(this._settings),
      ...(location === undefined ? {} : { module: location }),
    };
  }

  /**
   * Does the work of one attempt. Receives the values of the input ports and
   * returns the values of the output ports (or a promise of them). Annotate
   * it with the class's own types, `execute(inputs: Inputs<MyOp>):
   * Outputs<MyOp>`, so the compiler checks both against the ports.
   */
  abstract execute(inputs: Readonly<Record<string, unknown>>, context: ExecutionContext): unknown;

  /** The operation's id; see {@link OperationPlacement.id}. */
  get id(): string {
    if (this._id === undefined) {
      throw new OperationStateError(
        `${this.constructor.name} has no id yet: give one with super({ id }) or add the operation to a GraphDefinition, which derives one`,
      );
    }
    return this._id;
  }

  /** Whether an id was given or derived already. */
  get hasId(): boolean {
    return this._id !== undefined;
  }

  /** Execution settings: `@OperationOptions` defaults, then constructor options, then `with()`. */
  get settings(): Readonly<OperationSettings> {
    return this._settings;
  }

  /** Every port, decorated and imperative, in declaration order. */
  get ports(): readonly PortDescriptor[] {
    return [...this.portMap().values()];
  }

  /** Input ports in declaration order. */
  get inputPorts(): readonly PortDescriptor[] {
    return this.ports.filter((p) => p.direction === 'input');
  }

  /** Output ports in declaration order. */
  get outputPorts(): readonly PortDescriptor[] {
    return this.ports.filter((p) => p.direction === 'output');
  }

  /** The port named `name`, if any, optionally only if it faces `direction`. */
  getPort(name: string, direction?: PortDirection): PortDescriptor | undefined {
    const port = this.portMap().get(name);
    return port && (direction === undefined || port.direction === direction) ? port : undefined;
  }

  /**
   * Declares an input port at run time, for operations whose ports come from
   * configuration. Call it from the constructor. Subclass
   * {@link DynamicOperation} so that `connect` accepts such port names.
   */
  protected addInputPort(name: string, options: PortOptions = {}): this {
    return this.addPort(name, 'input', options);
  }

  /** Declares an output port at run time; see {@link Operation.addInputPort}. */
  protected addOutputPort(name: string, options: Omit<PortOptions, 'optional' | 'default' | 'collect'> = {}): this {
    return this.addPort(name, 'output', options);
  }

  /** @internal compiled port lookup for the engine and the graph. */
  portMap(): ReadonlyMap<string, CompiledPort> {
    const declared = readClassPorts(this.constructor);
    if (this._extraPorts === undefined) return declared;
    return this._extraPorts;
  }

  /** @internal used by GraphDefinition to derive an id. */
  assignId(id: string): void {
    if (this._id === undefined) this._id = checkId(id, this.constructor.name);
  }

  /** @internal called when a run plan includes the operation: its settings are fixed from then on. */
  markPlanned(): void {
    this._planned = true;
  }

  /** A readable label: `Add(add_1)`. */
  toString(): string {
    return `${this.constructor.name}(${this._id ?? 'no id'})`;
  }

  private addPort(name: string, direction: PortDirection, options: PortOptions): this {
    const owner = this._id ?? this.constructor.name;
    if (this.portMap().has(name)) throw new OperationStateError(`${owner}: port '${name}' is declared twice; give each port its own name`);
    this._extraPorts = withPort(this.portMap(), owner, name, direction, options);
    return this;
  }
}

/**
 * An operation whose ports are declared at run time with `addInputPort` /
 * `addOutputPort`. `connect` accepts any port name for it; the names are
 * checked by validation instead of the compiler.
 *
 * @example
 * ```ts
 * class Merge extends DynamicOperation {
 *   constructor(names: string[]) {
 *     super();
 *     for (const n of names) this.addInputPort(n);
 *     this.addOutputPort('merged');
 *   }
 *   execute(inputs: Record<string, unknown>) { return { merged: Object.values(inputs) }; }
 * }
 * ```
 */
export abstract class DynamicOperation<P extends object = object> extends Operation<P> implements DynamicPorts {
  declare readonly [DYNAMIC]: true;
}

declare const DYNAMIC: keyof DynamicPorts;

const EMPTY_PARAMS = Object.freeze({});

function checkId(id: string, owner: string): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new TypeError(
      `${owner}: operation id ${JSON.stringify(id)} is not valid; use letters, digits and _ . : - / (no spaces)`,
    );
  }
  return id;
}

/** `defaults` with the settings `init` gives (its keys other than id and params, where defined); `defaults` itself when there are none. */
function withSettings(defaults: Readonly<OperationSettings>, init: object): Readonly<OperationSettings> {
  let merged: Record<string, unknown> | undefined;
  for (const key in init) {
    if (key === 'id' || key === 'params' || !Object.prototype.hasOwnProperty.call(init, key)) continue;
    const value = (init as Record<string, unknown>)[key];
    if (value !== undefined) (merged ??= { ...defaults })[key] = value;
  }
  return merged === undefined ? defaults : Object.freeze(merged as OperationSettings);
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] !== undefined) out[key] = value[key];
  return out;
}
