import type { StepWiring } from '@portflow/workflow';
import type { TableRef } from '../table-ref';

/**
 * How a multi-input data step receives its tables. In the tasks form each
 * `inputs` key is a port of its own (`customers: raw_customers`); in the
 * pipeline form every `depends_on` step feeds one collecting port, `tables`,
 * and each table is named after the step that made it.
 * @internal
 */
export class TableInputs {
  /** The names the tables go by, in the order written. */
  readonly names: readonly string[];
  private readonly collected: boolean;

  /** `declare(name, collect)` adds an input port (the operation's `addInputPort`). */
  constructor(wiring: StepWiring, declare: (name: string, collect: boolean) => void) {
    this.collected = wiring.inputs.length === 0;
    this.names = this.collected ? wiring.dependsOn : wiring.inputs;
    if (this.collected) declare('tables', true);
    else for (const name of wiring.inputs) declare(name, false);
  }

  /** The received tables, in the order of {@link TableInputs.names}. */
  tables(inputs: Record<string, unknown>): TableRef[] {
    if (this.collected) return [...(inputs.tables as TableRef[])];
    return this.names.map((name) => inputs[name] as TableRef);
  }
}
