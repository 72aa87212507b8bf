import { createPort, type CompiledPort } from './port-descriptor';
import { readClassPorts, readOperationDefaults } from './port-reader';
import type { DynamicPorts, Outputs, PortDescriptor, PortDirection, PortOptions } from './port';
import type { ExecutionContext } from './execution-context';
import type { OperationSettings } from './operation-settings';

/** Constructor options every operation accepts. */
export interface OperationInit extends OperationSettings {
  /**
   * Stable id used in events, results and checkpoints. When omitted, the
   * graph derives one from the class name and the order of `add` calls
   * (`Add_1`, `Add_2`), which is stable as long as the graph is built the
   * same way.
   */
  id?: string;
}

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
export abstract class Operation {
  private _id: string | undefined;
  private _extraPorts: Map<string, CompiledPort> | undefined;
  private readonly _settings: OperationSettings;

  constructor(init: OperationInit = {}) {
    const { id, ...settings } = init;
    if (id !== undefined) this._id = checkId(id, new.target.name);
    const defaults = readOperationDefaults(new.target);
    this._settings = Object.freeze({ ...defaults, ...dropUndefined(settings) });
  }

  /**
   * Does the work of one attempt. Receives the values of the input ports and
   * returns the values of the output ports (or a promise of them). Annotate
   * it with the class's own types, `execute(inputs: Inputs<MyOp>):
   * Outputs<MyOp>`, so the compiler checks both against the ports.
   */
  abstract execute(inputs: Readonly<Record<string, unknown>>, context: ExecutionContext): unknown;

  /** The operation's id; see {@link OperationInit.id}. */
  get id(): string {
    if (this._id === undefined) {
      throw new Error(
        `${this.constructor.name} has no id yet: give one with super({ id }) or add the operation to a GraphDefinition, which derives one`,
      );
    }
    return this._id;
  }

  /** Whether an id was given or derived already. */
  get hasId(): boolean {
    return this._id !== undefined;
  }

  /** Execution settings: `@OperationOptions` defaults merged with constructor options. */
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

  /** A readable label: `Add(add_1)`. */
  toString(): string {
    return `${this.constructor.name}(${this._id ?? 'no id'})`;
  }

  private addPort(name: string, direction: PortDirection, options: PortOptions): this {
    const owner = this._id ?? this.constructor.name;
    if (this.portMap().has(name)) throw new Error(`${owner}: port '${name}' is declared twice`);
    const port = createPort(owner, name, direction, options);
    this._extraPorts ??= new Map(readClassPorts(this.constructor));
    this._extraPorts.set(name, port);
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
export abstract class DynamicOperation extends Operation implements DynamicPorts {
  declare readonly [DYNAMIC]: true;
}

declare const DYNAMIC: keyof DynamicPorts;

function checkId(id: string, owner: string): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new TypeError(
      `${owner}: operation id ${JSON.stringify(id)} is not valid; use letters, digits and _ . : - / (no spaces)`,
    );
  }
  return id;
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] !== undefined) out[key] = value[key];
  return out;
}
