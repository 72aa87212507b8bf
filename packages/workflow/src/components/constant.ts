import { Operation, Output, type OutputPort, type Outputs } from '@portflow/core';
import { IsDefined } from 'class-validator';
import { Component } from '../decorators/component';
import { StepInit } from '../step-init';

/** Params of `constant`. */
export class ConstantParams {
  /** Any YAML value: number, string, list, mapping. */
  @IsDefined() value!: unknown;
}

/**
 * Outputs the value given in its params.
 *
 * @example
 * ```yaml
 * - name: threshold
 *   component_name: constant
 *   params: { value: 100 }
 *   outputs: [threshold]
 * ```
 */
@Component('constant', { params: ConstantParams, description: 'Outputs a fixed value' })
export class Constant extends Operation {
  @Output() value!: OutputPort<unknown>;

  constructor(
    private readonly options: ConstantParams,
    init: StepInit,
  ) {
    super(init);
  }

  execute(): Outputs<Constant> {
    return { value: this.options.value };
  }
}
