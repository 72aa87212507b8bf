import {
  Collect,
  DynamicOperation,
  Input,
  Operation,
  Output,
  type CollectInputPort,
  type EngineEvent,
  type ExecutionContext,
  type InputPort,
  type Inputs,
  type OperationInit,
  type OutputPort,
  type Outputs,
  type RunHandle,
} from '../index';

import { Gates } from '../testing';

export { deferred, flushMicrotasks, Gates, type Deferred } from '../testing';

/** Waits for its gate; rejects with the signal's reason if the run aborts it first. */
export class Gated extends Operation {
  @Collect() after!: CollectInputPort<unknown>;
  @Output(String) done!: OutputPort<string>;

  constructor(
    private readonly gates: Gates,
    init?: OperationInit,
  ) {
    super(init);
  }

  async execute(_inputs: Inputs<Gated>, context: ExecutionContext): Promise<Outputs<Gated>> {
    const id = this.gates.keyOf(context);
    this.gates.enter(id);
    try {
      await Promise.race([this.gates.gate(id).promise, aborted(context.signal)]);
      return { done: context.operationId };
    } finally {
      this.gates.leave(id);
    }
  }
}

/** A promise that rejects with the signal's reason when it aborts. */
export function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Fails its first `failures` attempts with `makeError()`, then emits `value`; records when each attempt started. */
export class Flaky extends Operation {
  @Output(Number) value!: OutputPort<number>;
  readonly attemptTimes: number[] = [];
  readonly attemptsSeen: number[] = [];
  readonly keysSeen: string[] = [];

  constructor(
    private readonly failures: number,
    init?: OperationInit,
    private readonly makeError: (attempt: number) => unknown = (attempt) => new Error(`transient failure ${attempt}`),
  ) {
    super(init);
  }

  execute(_inputs: Inputs<Flaky>, context: ExecutionContext): Outputs<Flaky> {
    this.attemptTimes.push(Date.now());
    this.attemptsSeen.push(context.attempt);
    this.keysSeen.push(context.idempotencyKey);
    if (context.attempt <= this.failures) throw this.makeError(context.attempt);
    return { value: context.attempt };
  }
}

/** Waits `ms` on a timer (honouring the signal), then emits `ms`. */
export class Sleep extends Operation {
  @Output(Number) slept!: OutputPort<number>;
  readonly signals: AbortSignal[] = [];

  constructor(
    private readonly ms: number,
    init?: OperationInit,
  ) {
    super(init);
  }

  execute(_inputs: Inputs<Sleep>, context: ExecutionContext): Promise<Outputs<Sleep>> {
    const signal = context.signal;
    this.signals.push(signal);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve({ slept: this.ms }), this.ms);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }
}

/** Waits `ms` on a timer and ignores its signal (a badly behaved operation). */
export class Stubborn extends Operation {
  @Output(Number) slept!: OutputPort<number>;
  constructor(
    private readonly ms: number,
    init?: OperationInit,
  ) {
    super(init);
  }
  execute(): Promise<Outputs<Stubborn>> {
    return new Promise((resolve) => setTimeout(() => resolve({ slept: this.ms }), this.ms));
  }
}

/** Always throws `error`. */
export class Fail extends Operation {
  @Collect() after!: CollectInputPort<unknown>;
  @Output() out!: OutputPort<unknown>;
  calls = 0;
  constructor(
    private readonly error: unknown = new Error('boom'),
    init?: OperationInit,
  ) {
    super(init);
  }
  execute(): never {
    this.calls++;
    throw this.error;
  }
}

/** Counts its calls; the no-op of scale tests. */
export class Noop extends Operation {
  execute(): void {}
}

/**
 * Emits whatever a test gives it on a port declared at run time, so the
 * compiler lets it feed any input and the engine checks the value on arrival.
 */
export class Emit extends DynamicOperation {
  constructor(
    private readonly v: unknown,
    init?: OperationInit,
  ) {
    super(init);
    this.addOutputPort('value');
  }
  execute(): Record<string, unknown> {
    return { value: this.v };
  }
}

/** Declares a number output but returns whatever a test gives it. */
export class Liar extends Operation {
  @Output(Number) value!: OutputPort<number>;
  constructor(
    private readonly returned: unknown,
    init?: OperationInit,
  ) {
    super(init);
  }
  execute(): Outputs<Liar> {
    return this.returned as Outputs<Liar>;
  }
}

/** Takes a number (checked at run time when its source is untyped). */
export class Square extends Operation {
  @Input(Number) x!: InputPort<number>;
  @Output(Number) y!: OutputPort<number>;
  execute({ x }: Inputs<Square>): Outputs<Square> {
    return { y: x * x };
  }
}

/** Collects every event of a run handle (subscribe before the run begins). */
export function record(run: Pick<RunHandle, 'events$'>): EngineEvent[] {
  const events: EngineEvent[] = [];
  run.events$.subscribe((e) => events.push(e));
  return events;
}

/** `type:operationId` (or just `type`) of each event, for compact assertions. */
export function outline(events: readonly EngineEvent[]): string[] {
  return events.map((e) => ('operationId' in e ? `${e.type}:${e.operationId}` : e.type));
}
