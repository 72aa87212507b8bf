import { ExecutionEngine, GraphDefinition, PortTypeError } from '@portflow/core';
import { Humidity, Record, Round, brokenGraph, buildWeatherGraph, futures, graphWithInputs, resolveRef, roundRef, runWeather, tapChannel } from './concepts';
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

  it('holds params as data, validated, and gives a plain JSON ref', () => {
    expect(roundRef()).toEqual({ type: 'weather.round', version: 2, params: { digits: 1 }, id: 'round', settings: { timeoutMs: 1000, retry: { maxAttempts: 2 } } });
    expect(() => new Round({ params: { digits: -1 } })).toThrow(/digits must be a whole number >= 0 \(got -1\)/);
  });

  it('refuses to resolve a package that is not installed, with the reason', async () => {
    await expect(resolveRef()).rejects.toThrow(/Module '@acme\/weather-ops' cannot be found from the resolver's root/);
  });

  it('runs a graph with typed inputs and outputs', async () => {
    await expect(graphWithInputs()).resolves.toBe(68);
    expect(log).toHaveBeenCalledWith(68);
  });

  it('calls a defined operation twice through a flow', async () => {
    await expect(futures()).resolves.toBe(30);
    expect(log).toHaveBeenCalledWith(20, 10);
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
