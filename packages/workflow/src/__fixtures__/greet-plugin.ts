import { Operation, Output, type OutputPort, type Outputs } from '@portflow/core';
import { IsString } from 'class-validator';
import { Component, StepInit } from '../index';

// #region component
export class GreetParams {
  @IsString() who!: string;
}

/** A plugin component: exported, so loadPlugin registers it. */
@Component('greet', { params: GreetParams, description: 'Says hello' })
export class Greet extends Operation {
  @Output(String) greeting!: OutputPort<string>;
  constructor(
    private readonly options: GreetParams,
    init: StepInit,
  ) {
    super(init);
  }
  execute(): Outputs<Greet> {
    return { greeting: `hello ${this.options.who}` };
  }
}
// #endregion component
