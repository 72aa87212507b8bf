import { MissingOutputError, PortTypeError } from '../errors/errors';
import type { CompiledPort } from '../model/ports/port-descriptor';
import { describeValue } from '../model/ports/port-type';
import type { CompiledGraph } from '../graph/compiled-graph';

/** The inputs of an operation without input ports. @internal */
export const EMPTY_INPUTS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * Builds the `inputs` argument of the operation at position `k`: each input
 * port's value read from its source's output record (an array in
 * connection order for collecting ports, the default for an unconnected
 * optional port). Throws a `PortTypeError` when a value fails the port's
 * runtime check. @internal
 */
export function readInputs(plan: CompiledGraph, k: number, outputs: readonly unknown[]): Record<string, unknown> {
  const ports = plan.inputPorts[k]!;
  const { sourceStart } = plan;
  const base = plan.slotBase[k]!;
  const inputs: Record<string, unknown> = {};
  for (let p = 0; p < ports.length; p++) {
    const port = ports[p]!;
    const first = sourceStart[base + p]!;
    const end = sourceStart[base + p + 1]!;
    if (first === end) {
      inputs[port.name] = port.collect ? [] : port.default;
    } else if (!port.collect) {
      inputs[port.name] = readSource(plan, k, port, first, outputs);
    } else {
      const values = new Array(end - first);
      for (let j = first; j < end; j++) values[j - first] = readSource(plan, k, port, j, outputs);
      inputs[port.name] = values;
    }
  }
  return inputs;
}

/** Tells the output table that every channel into the operation at position `k` has been read. @internal */
export function markRead(plan: CompiledGraph, k: number, table: { read(index: number): void }): void {
  const { sourceStart, slotBase, sourceIndex } = plan;
  for (let j = sourceStart[slotBase[k]!]!, end = sourceStart[slotBase[k + 1]!]!; j < end; j++) table.read(sourceIndex[j]!);
}

function readSource(plan: CompiledGraph, k: number, port: CompiledPort, j: number, outputs: readonly unknown[]): unknown {
  const produced = outputs[plan.sourceIndex[j]!] as Record<string, unknown> | undefined;
  const value = produced === undefined ? undefined : produced[plan.sourcePort[j]!];
  if (plan.sourceCheck[j] === 1 && !port.check.test!(value)) {
    throw new PortTypeError({ operationId: plan.ids[k]!, port: port.name, direction: 'input', expected: port.typeName, actual: describeValue(value) });
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
