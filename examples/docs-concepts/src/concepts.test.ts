import { ExecutionEngine, GraphDefinition, PortTypeError } from '@portflow/core';
import { Humidity, Record, brokenGraph, buildWeatherGraph, runWeather, tapChannel } from './concepts';
import { Constant } from '../../../packages/core/src/__fixtures__/operations';

describe('docs/concepts.md samples', () => {
  let log: jest.SpyInstance;
  beforeEach(() => (log = jest.spyOn(console, 'log').mockImplementation(() => undefined)));
  afterEach(() => log.mockRestore());

  it('runs the weather graph: average, conversion and a dynamic record', async () => {
    await expect(runWeather()).resolves.toEqual({ celsius: 8, fahrenheit: 46.4 });
    expect(log).toHaveBeenCalledWith(['north', 'south', 'average', 'convert', 'Record_1']);
  });

  it('reports the cycle in the broken graph', () => {
    expect(brokenGraph()).toEqual(['cycle']);
    expect(log).toHaveBeenCalledWith('cycle', expect.stringContaining('a -> b -> a'));
  });

  it('taps the values passing through a channel', async () => {
    await expect(tapChannel()).resolves.toEqual([8]);
  });

  it('declares dynamic ports per instance', () => {
    expect(new Record(['x', 'y']).inputPorts.map((p) => p.name)).toEqual(['x', 'y']);
    expect(buildWeatherGraph().record.outputPorts.map((p) => p.name)).toEqual(['record']);
  });

  it('rejects values a guard refuses with a PortTypeError', async () => {
    const graph = new GraphDefinition();
    const humidity = new Humidity({ id: 'humidity' });
    graph.connect(new Constant(140, { id: 'reading' }), 'value', humidity, 'relative');
    const result = await new ExecutionEngine().run(graph);
    expect(result.status).toBe('failed');
    expect(result.errors[0]!.error).toBeInstanceOf(PortTypeError);
    expect(result.errors[0]!.message).toContain("port 'relative'");
  });
});
