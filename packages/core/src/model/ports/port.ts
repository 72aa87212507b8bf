import type { PortType } from './port-type';

declare const PORT_KIND: unique symbol;
declare const PORT_VALUE: unique symbol;
declare const DYNAMIC_PORTS: unique symbol;

/**
 * The declared type of an input port property. It exists only for the
 * compiler: the property is never read at run time, values arrive in the
 * `inputs` argument of {@link Operation.execute}.
 *
 * @example
 * ```ts
 * class Double extends Operation {
 *   @Input(Number) value!: InputPort<number>;
 *   @Output(Number) doubled!: OutputPort<number>;
 *   execute({ value }: Inputs<Double>): Outputs<Double> { return { doubled: value * 2 }; }
 * }
 * ```
 */
export interface InputPort<T> {
  readonly [PORT_KIND]: 'input';
  readonly [PORT_VALUE]: T;
}

/**
 * The declared type of a collecting (many-to-one) input port: any number of
 * `T` outputs connect to it and it receives a `T[]` in connection order.
 */
export interface CollectInputPort<T> {
  readonly [PORT_KIND]: 'collect';
  readonly [PORT_VALUE]: T;
}

/** The declared type of an output port property. See {@link InputPort}. */
export interface OutputPort<T> {
  readonly [PORT_KIND]: 'output';
  readonly [PORT_VALUE]: T;
}

/**
 * Marker for operations whose ports are only known at run time (declared with
 * `addInputPort` / `addOutputPort`). {@link DynamicOperation} carries it; for
 * such operations `connect` accepts any port name and checks it at validation.
 */
export interface DynamicPorts {
  readonly [DYNAMIC_PORTS]: true;
}

type AnyInputPort = InputPort<any> | CollectInputPort<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Names of the output ports an operation type declares. */
export type OutputPortName<O> = O extends DynamicPorts
  ? string
  : { [K in keyof O]-?: O[K] extends OutputPort<any> ? K : never }[keyof O] & string; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Names of the input ports (plain and collecting) an operation type declares. */
export type InputPortName<O> = O extends DynamicPorts
  ? string
  : { [K in keyof O]-?: O[K] extends AnyInputPort ? K : never }[keyof O] & string;

/** The value type of output port `K` of operation type `O`. */
export type OutputValue<O, K> = O extends DynamicPorts
  ? any // eslint-disable-line @typescript-eslint/no-explicit-any
  : K extends keyof O
    ? O[K] extends OutputPort<infer T>
      ? T
      : never
    : never;

/** The value an input port of operation type `O` receives (`T[]` for a collecting port). */
export type InputValue<O, K> = O extends DynamicPorts
  ? unknown
  : K extends keyof O
    ? O[K] extends InputPort<infer T>
      ? T
      : O[K] extends CollectInputPort<infer T>
        ? T[]
        : never
    : never;

/**
 * Names of the input ports of `O` that accept a value of type `V`: the set of
 * valid `targetPort` arguments of `GraphDefinition.connect`.
 */
export type InputPortAccepting<O, V> = O extends DynamicPorts
  ? string
  : {
      [K in keyof O]-?: O[K] extends InputPort<infer T>
        ? [V] extends [T]
          ? K
          : never
        : O[K] extends CollectInputPort<infer T>
          ? [V] extends [T]
            ? K
            : never
          : never;
    }[keyof O] &
      string;

/**
 * What the compiler shows when `connect` joins ports whose value types do
 * not fit: the source port and its type, the target port and its type.
 * Never a real value; it exists only in error messages, e.g.
 * `Argument of type '"name"' is not assignable to parameter of type
 * '"name" & PortTypeMismatch<{ port: "count"; type: number }, { port: "name"; type: string }>'`.
 */
export interface PortTypeMismatch<Source, Target> {
  readonly 'the source value does not fit the target port': { readonly source: Source; readonly target: Target };
}

/**
 * `TP` when input port `TP` of `T` accepts the value `V` of source port
 * `SP`, else a {@link PortTypeMismatch} naming both ports and types.
 */
export type AcceptedInputPort<T, TP, SP, V> = T extends DynamicPorts
  ? TP
  : TP extends InputPortAccepting<T, V>
    ? TP
    : PortTypeMismatch<{ port: SP; type: V }, { port: TP; type: InputValueType<T, TP> }>;

/** The element type an input port declares (`T` of `InputPort<T>` or `CollectInputPort<T>`). */
type InputValueType<O, K> = K extends keyof O ? (O[K] extends InputPort<infer T> ? T : O[K] extends CollectInputPort<infer T> ? T : never) : never;

/**
 * The `inputs` argument of `execute`: one property per declared input port.
 *
 * @example
 * ```ts
 * execute({ a, b }: Inputs<Add>) { ... }
 * ```
 */
export type Inputs<O> = O extends DynamicPorts
  ? Record<string, unknown>
  : { readonly [K in InputPortName<O>]: InputValue<O, K> };

/**
 * What `execute` returns: one property per declared output port.
 *
 * @example
 * ```ts
 * execute(...): Outputs<Add> { return { sum: 3 }; }
 * ```
 */
export type Outputs<O> = O extends DynamicPorts
  ? Record<string, unknown>
  : { [K in OutputPortName<O>]: OutputValue<O, K> };

/** Which way a port faces. */
export type PortDirection = 'input' | 'output';

/**
 * Options of a port, given to `@Input` / `@Output` or to `addInputPort` /
 * `addOutputPort`.
 */
export interface PortOptions {
  /** Runtime type; values of another type fail the operation with a `PortTypeError`. */
  type?: PortType;
  /** An input that may stay unconnected. It then receives `default` (or `undefined`). */
  optional?: boolean;
  /** Value of an unconnected optional input. Giving a default makes the input optional. */
  default?: unknown;
  /** Human-readable description, shown by tooling. */
  description?: string;
  /** Input only: accept many sources and receive their values as an array. */
  collect?: boolean;
}

/**
 * A port as the runtime sees it: the result of reading an operation's
 * decorators and imperative declarations.
 */
export interface PortDescriptor {
  readonly name: string;
  readonly direction: PortDirection;
  /** Runtime type, when one was declared. */
  readonly type: PortType | undefined;
  /** Name of the type for messages: `number`, `Buffer`, `unknown`... */
  readonly typeName: string;
  readonly optional: boolean;
  readonly hasDefault: boolean;
  readonly default: unknown;
  readonly description: string | undefined;
  readonly collect: boolean;
}
