import { Output } from './decorators/output';
import { OperationOptions } from './decorators/operation-options';
import type { ExecutionContext } from './execution-context';
import { Operation } from './operation';
import { jsonProblem } from './plain-data';
import type { OutputPort } from './ports/port';
import { compilePortType, type CompiledType, type PortType } from './ports/port-type';

/** What a run context offers graph inputs. @internal */
export interface GraphInputSource {
  graphInput(name: string): unknown;
}

/**
 * The source operation of a graph input, made by `graph.input(name, type)`:
 * its `value` port carries the value given to `engine.run(graph, { inputs })`
 * under `name`. Connect it like any output.
 *
 * @example
 * ```ts
 * const graph = new GraphDefinition<{ path: string }>();
 * graph.connect(graph.input('path', String), 'value', load, 'path');
 * await engine.run(graph, { inputs: { path: 'data.csv' } });
 * ```
 */
@OperationOptions({ type: 'portflow.input' })
export class GraphInput<T = unknown> extends Operation<{ name: string }> {
  @Output() value!: OutputPort<T>;
  /** @internal the check applied to the value given for this input. */
  readonly check: CompiledType;

  /** @internal made by GraphDefinition.input */
  constructor(name: string, type?: PortType) {
    super({ id: `input.${name}`, params: { name }, description: `graph input '${name}'` });
    this.check = compilePortType(type);
  }

  /** The input's name. */
  get name(): string {
    return this.params.name;
  }

  execute(_inputs: unknown, context: ExecutionContext): { value: T } {
    return { value: (context as unknown as GraphInputSource).graphInput(this.params.name) as T };
  }
}

/**
 * A source operation emitting a fixed value on its `value` port: constants,
 * file names, hyper-parameters. When the value is JSON data it is also the
 * operation's params, so it is part of refs and cache keys.
 *
 * @example
 * ```ts
 * graph.connect(new Value(0.01), 'value', train, 'learningRate');
 * ```
 */
@OperationOptions({ type: 'portflow.value' })
export class Value<T> extends Operation<{ value?: unknown }> {
  @Output() value!: OutputPort<T>;
  readonly #value: T;

  constructor(value: T, placement: { id?: string; description?: string } = {}) {
    super({ ...placement, params: jsonProblem(value, 'value') === undefined ? { value } : {} });
    this.#value = value;
  }

  execute(): { value: T } {
    return { value: this.#value };
  }
}
