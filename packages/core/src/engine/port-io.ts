import { MissingOutputError, PortTypeError } from '../errors/errors';
import type { CompiledPort } from '../model/ports/port-descriptor';
import { describeValue } from '../model/ports/port-type';
import type { InputBinding, InputSource } from './run-plan';

/** The inputs of an operation without input ports. @internal */
export const EMPTY_INPUTS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * Builds the `inputs` argument of operation `id` from its bindings: each
 * port's value read from its source's output record (an array in
 * connection order for collecting ports, the default for an unconnected
 * optional port). Throws a `PortTypeError` when a value fails the port's
 * runtime check. @internal
 */
export function readInputs(id: string, bindings: readonly InputBinding[], outputs: readonly unknown[]): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (let b = 0; b < bindings.length; b++) {
    const { port, sources } = bindings[b]!;
    if (sources.length === 0) {
      inputs[port.name] = port.collect ? [] : port.default;
    } else if (!port.collect) {
      inputs[port.name] = readSource(id, port, sources[0]!, outputs);
    } else {
      const values = new Array(sources.length);
      for (let s = 0; s < sources.length; s++) values[s] = readSource(id, port, sources[s]!, outputs);
      inputs[port.name] = values;
    }
  }
  return inputs;
}

/** Tells the output table that every channel into an operation has been read. @internal */
export function markRead(bindings: readonly InputBinding[], table: { read(index: number): void }): void {
  for (let b = 0; b < bindings.length; b++) {
    const sources = bindings[b]!.sources;
    for (let s = 0; s < sources.length; s++) table.read(sources[s]!.index);
  }
}

function readSource(id: string, port: CompiledPort, source: InputSource, outputs: readonly unknown[]): unknown {
  const produced = outputs[source.index] as Record<string, unknown> | undefined;
  const value = produced === undefined ? undefined : produced[source.port];
  const test = port.check.test;
  if (source.check && test !== null && !test(value)) {
    throw new PortTypeError({ operationId: id, port: port.name, direction: 'input', expected: port.typeName, actual: describeValue(value) });
  }
  return value;
}

/**
 * Why what operation `id` returned is not a valid output record for `ports`
 * (a missing port or a value of the wrong type), or undefined. @internal
 */
export function outputProblem(id: string, ports: readonly CompiledPort[], value: unknown): Error | undefined {
  if (value === null || typeof value !== 'object') return new MissingOutputError(id, ports[0]!.name);
  const record = value as Record<string, unknown>;
  for (let p = 0; p < ports.length; p++) {
    const port = ports[p]!;
    const v = record[port.name];
    if (v === undefined && !(port.name in record)) return new MissingOutputError(id, port.name);
    const test = port.check.test;
    if (test !== null && !test(v)) {
      return new PortTypeError({ operationId: id, port: port.name, direction: 'output', expected: port.check.name, actual: describeValue(v) });
    }
  }
  return undefined;
}
