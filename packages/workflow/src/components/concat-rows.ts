import { DynamicOperation, OperationOptions, Output, type OutputPort } from '@portflow/core';
import { Component } from '../decorators/component';
import { StepInit, StepWiring } from '../step-init';
import type { Row } from './row';

/**
 * Concatenates row lists. Its input ports are the ones the workflow wires:
 * in the tasks form each `inputs` key becomes a port (`north: north_rows`);
 * in the pipeline form every `depends_on` step feeds one collecting port,
 * `parts`. Rows keep the order of the inputs.
 *
 * @example
 * ```yaml
 * - name: all_regions
 *   component_name: concat_rows
 *   inputs: { north: north_rows, south: south_rows }
 *   outputs: [all_rows]
 * ```
 */
@Component('concat_rows', { description: 'Concatenates row lists; one input port per wired input' })
@OperationOptions({ resource: 'cpu_bound' })
export class ConcatRows extends DynamicOperation {
  @Output(Array) rows!: OutputPort<Row[]>;
  private readonly order: readonly string[];

  constructor(init: StepInit, wiring: StepWiring) {
    super(init);
    if (wiring.inputs.length > 0) {
      for (const name of wiring.inputs) this.addInputPort(name, { type: Array });
      this.order = wiring.inputs;
    } else {
      this.addInputPort('parts', { type: Array, collect: true });
      this.order = ['parts'];
    }
  }

  execute(inputs: Record<string, unknown>): Record<string, unknown> {
    if (this.order[0] === 'parts' && this.order.length === 1) return { rows: (inputs.parts as Row[][]).flat() };
    return { rows: this.order.flatMap((name) => inputs[name] as Row[]) };
  }
}
