import { Operation, Output, type OutputPort, type Outputs } from '@portflow/core';
import { Component, type ComponentRegistry } from '../index';

@Component('answer')
class Answer extends Operation {
  @Output(Number) value!: OutputPort<number>;
  execute(): Outputs<Answer> {
    return { value: 42 };
  }
}

/** A plugin that registers through a function. */
export function register(registry: ComponentRegistry): void {
  registry.register(Answer);
}
