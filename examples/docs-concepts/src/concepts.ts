import { lastValueFrom, toArray } from 'rxjs';
import {
  Collect,
  defineOperation,
  Flow,
  ModuleResolver,
  port,
  type OperationRef,
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

export async function tapChannel(): Promise<number[]> {
  // #region channel
  const { graph } = buildWeatherGraph();
  const [toAverage] = graph.channels; // north.celsius -> average.values
  const seen = lastValueFrom(toAverage!.values$.pipe(toArray())); // completes when the run ends
  await new ExecutionEngine().run(graph);
  return (await seen) as number[]; // [ 8 ]
  // #endregion channel
}

// #region params
/** Rounds a number; how many digits is a param: data, part of the operation's identity. */
@OperationOptions({ type: 'weather.round', version: 2, timeoutMs: 1_000 })
export class Round extends Operation<{ digits: number }> {
  @Input(Number) value!: InputPort<number>;
  @Output(Number) rounded!: OutputPort<number>;

  protected override validateParams({ digits }: Readonly<{ digits: number }>): string[] {
    return Number.isInteger(digits) && digits >= 0 ? [] : [`digits must be a whole number >= 0 (got ${digits})`];
  }

  execute({ value }: Inputs<Round>): Outputs<Round> {
    const scale = 10 ** this.params.digits;
    return { rounded: Math.round(value * scale) / scale };
  }
}
// #endregion params

export function roundRef(): OperationRef {
  // #region ref
  const round = new Round({ id: 'round', params: { digits: 1 } }).with({ retry: { maxAttempts: 2 } });
  const ref = round.toRef();
  // { type: 'weather.round', version: 2, params: { digits: 1 }, id: 'round',
  //   settings: { timeoutMs: 1000, retry: { maxAttempts: 2 } } }
  // #endregion ref
  return ref;
}

export async function resolveRef(): Promise<Operation> {
  // #region resolver
  const resolver = new ModuleResolver({ root: process.cwd(), allow: ['@acme/weather-ops'] });
  const ref: OperationRef = {
    type: 'weather.round',
    version: 2,
    params: { digits: 1 },
    module: { specifier: '@acme/weather-ops', export: 'Round' },
  };
  return resolver.resolve(ref); // imports the package, checks type and version, runs the constructor
  // #endregion resolver
}

export async function graphWithInputs(): Promise<number> {
  // #region graph-io
  const graph = new GraphDefinition<{ celsius: number }, { fahrenheit: number }>({ name: 'convert' });
  const convert = new ToFahrenheit({ id: 'convert' });
  graph.connect(graph.input('celsius', Number), 'value', convert, 'celsius');
  graph.output('fahrenheit', convert, 'fahrenheit');

  const result = await new ExecutionEngine().run(graph, { inputs: { celsius: 20 } }); // inputs are required and typed
  if (result.isSuccessful()) console.log(result.outputs.fahrenheit); // 68: a number, not number | undefined
  // #endregion graph-io
  return result.outputs.fahrenheit ?? NaN;
}

// #region define
export const Celsius = defineOperation(
  'weather.celsius',
  { inputs: { fahrenheit: Number, digits: port(Number, { default: 1 }) }, outputs: { celsius: Number }, version: 1 },
  ({ fahrenheit, digits }) => ({ celsius: Number((((fahrenheit - 32) * 5) / 9).toFixed(digits)) }),
);
// #endregion define

export async function futures(): Promise<number> {
  // #region flow
  const flow = new Flow({ name: 'round-trip' });
  const { celsius } = flow.call(Celsius, { fahrenheit: 68 });
  const { celsius: again } = flow.call(Celsius, { fahrenheit: 50, digits: 0 }); // runs alongside
  console.log(await celsius, await again); // 20 10: the first await runs the graph
  // #endregion flow
  return (await celsius) + (await again);
}
