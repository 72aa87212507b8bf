import { Input, Operation, Output, type ExecutionContext, type InputPort, type Inputs, type OutputPort, type Outputs } from '@portflow/core';
import { IsInt, Max, Min } from 'class-validator';
import { Component } from '../decorators/component';
import { StepInit } from '../step-init';

/** Params of `delay`. */
export class DelayParams {
  /** How long to wait, in milliseconds (at most one hour). */
  @IsInt() @Min(0) @Max(3_600_000) ms!: number;
}

/**
 * Waits, then passes its input on. Stops at once when the run is cancelled
 * or the step times out. For demos, tests and pacing.
 *
 * @example
 * ```yaml
 * - name: pause
 *   operation: delay
 *   params: { ms: 500 }
 * ```
 */
@Component('delay', { params: DelayParams, description: 'Waits some milliseconds, then passes its input on' })
export class Delay extends Operation {
  @Input(undefined, { optional: true }) value!: InputPort<unknown>;
  @Output() passed!: OutputPort<unknown>;

  constructor(
    private readonly options: DelayParams,
    init: StepInit,
  ) {
    super(init);
  }

  async execute({ value }: Inputs<Delay>, context: ExecutionContext): Promise<Outputs<Delay>> {
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(context.signal.reason instanceof Error ? context.signal.reason : new Error('delay aborted'));
      };
      const timer = setTimeout(() => {
        context.signal.removeEventListener('abort', onAbort);
        resolve();
      }, this.options.ms);
      if (context.signal.aborted) onAbort();
      else context.signal.addEventListener('abort', onAbort, { once: true });
    });
    return { passed: value };
  }
}
