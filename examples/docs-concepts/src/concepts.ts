import {
  Collect,
  DynamicOperation,
  ExecutionEngine,
  GraphDefinition,
  GraphValidationError,
  Input,
  Operation,
  OperationOptions,
  Output,
  guard,
  type CollectInputPort,
  type ExecutionContext,
  type InputPort,
  type Inputs,
  type OutputPort,
  type Outputs,
} from '@portflow/core';

// #region operation
/** Reads a temperature in Celsius and converts it. */
export class ToFahrenheit extends Operation {
  @Input(Number, { description: 'degrees Celsius' }) celsius!: InputPort<number>;
  @Output(Number) fahrenheit!: OutputPort<number>;

  execute({ celsius }: Inputs<ToFahrenheit>): Outputs<ToFahrenheit> {
    return { fahrenheit: (celsius * 9) / 5 + 32 };
  }
}
// #endregion operation

// #region async-operation
@OperationOptions({ retry: { maxAttempts: 3, delaysMs: [100, 1000] }, timeoutMs: 5_000 })
export class ReadSensor extends Operation {
  @Input(String, { default: 'sensor-1' }) sensor!: InputPort<string>;
  @Output(Number) celsius!: OutputPort<number>;

  async execute({ sensor }: Inputs<ReadSensor>, context: ExecutionContext): Promise<Outputs<ReadSensor>> {
    context.logger.info('reading', { sensor });
    await new Promise((resolve) => setTimeout(resolve, 5)); // stands in for real I/O
    return { celsius: sensor.length }; // stands in for a real reading
  }
}
// #endregion async-operation

// #region collect
export class Average extends Operation {
  @Collect(Number) values!: CollectInputPort<number>;
  @Output(Number) mean!: OutputPort<number>;

  execute({ values }: Inputs<Average>): Outputs<Average> {
    return { mean: values.reduce((a, b) => a + b, 0) / values.length };
  }
}
// #endregion collect

// #region guard
const Percentage = guard('Percentage', (v): v is number => typeof v === 'number' && v >= 0 && v <= 100);

export class Humidity extends Operation {
  @Input(Percentage) relative!: InputPort<number>;
  @Output(Boolean) damp!: OutputPort<boolean>;

  execute({ relative }: Inputs<Humidity>): Outputs<Humidity> {
    return { damp: relative > 70 };
  }
}
// #endregion guard

// #region dynamic
/** Builds an object from whichever fields configuration asks for. */
export class Record extends DynamicOperation {
  constructor(fields: string[]) {
    super();
    for (const field of fields) this.addInputPort(field);
    this.addOutputPort('record', { type: Object });
  }

  execute(inputs: { [field: string]: unknown }): { record: object } {
    return { record: { ...inputs } };
  }
}
// #endregion dynamic

// #region graph
export function buildWeatherGraph() {
  const graph = new GraphDefinition({ name: 'weather' });
  const north = new ReadSensor({ id: 'north' });
  const south = new ReadSensor({ id: 'south' });
  const average = new Average({ id: 'average' });
  const convert = new ToFahrenheit({ id: 'convert' });
  const record = new Record(['celsius', 'fahrenheit']);

  graph.connect(north, 'celsius', average, 'values'); // a collecting port takes
  graph.connect(south, 'celsius', average, 'values'); // any number of sources
  graph.connect(average, 'mean', convert, 'celsius'); // fan-out: one output,
  graph.connect(average, 'mean', record, 'celsius'); //  several inputs
  graph.connect(convert, 'fahrenheit', record, 'fahrenheit');
  return { graph, record };
}
// #endregion graph

export async function runWeather(): Promise<unknown> {
  // #region run
  const { graph, record } = buildWeatherGraph();
  graph.validate(); // throws GraphValidationError listing every problem
  console.log(graph.topologicalOrder().map((op) => op.id)); // [ 'north', 'south', 'average', 'convert', 'Record_1' ]
  const result = await new ExecutionEngine().run(graph);
  console.log(result.getOutput(record, 'record')); // { celsius: 8, fahrenheit: 46.4 }
  // #endregion run
  return result.getOutput(record, 'record');
}

export function brokenGraph(): string[] {
  // #region validation
  const graph = new GraphDefinition({ name: 'broken' });
  const a = new ToFahrenheit({ id: 'a' });
  const b = new ToFahrenheit({ id: 'b' });
  graph.add(new Average({ id: 'lonely' })); // fine: a collecting input may stay empty
  graph.connect(a, 'fahrenheit', b, 'celsius');
  graph.connect(b, 'fahrenheit', a, 'celsius'); // a -> b -> a
  try {
    graph.validate();
  } catch (error) {
    if (!(error instanceof GraphValidationError)) throw error;
    for (const problem of error.problems) console.log(problem.kind, problem.message);
    // cycle Operations form a cycle: a -> b -> a; remove one of these connections or dependencies.
  }
  // #endregion validation
  return graph.findProblems().map((p) => p.kind);
}

export function tapChannel(): Promise<number[]> {
  // #region channel
  const { graph } = buildWeatherGraph();
  const [toAverage] = graph.channels; // north.celsius -> average.values
  const seen: number[] = [];
  const subscription = toAverage!.values$.subscribe((value) => seen.push(value as number));
  return new ExecutionEngine().run(graph).then(() => {
    subscription.unsubscribe();
    return seen; // [ 8 ]
  });
  // #endregion channel
}
