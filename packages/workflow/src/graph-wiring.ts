import type { GraphDefinition, GraphProblem, Operation } from '@portflow/core';
import { suggestion } from './closest-names';
import type { ComponentRegistry } from './component-registry';
import { LiteralValue, literalMismatch } from './literal-value';
import type { NodePath, StepSpec, WorkflowForm } from './spec/workflow-spec';
import type { PendingProblem } from './workflow-problem';

/** Connects the operations of a workflow and maps graph problems back to the YAML. @internal */
export class GraphWiring {
  /** Where each channel into `<step>.<port>` was declared. */
  private readonly origins = new Map<string, NodePath>();
  /** Steps with an input that could not be wired because of another problem. */
  private readonly incomplete = new Set<string>();
  /** Output entries already reported, so a port is reported once however often it is read. */
  private readonly reported = new Set<NodePath>();

  constructor(
    private readonly graph: GraphDefinition,
    private readonly operations: ReadonlyMap<string, Operation>,
    private readonly problems: PendingProblem[],
  ) {}

  /** A `depends_on` step's primary output feeds the primary input; other dependencies only order. */
  wirePipelineStep(step: StepSpec, byName: ReadonlyMap<string, StepSpec>, registry: ComponentRegistry): void {
    const operation = this.operations.get(step.name);
    if (operation === undefined) return;
    const primaryInput = primaryPort(operation, registry.get(step.component!)?.primaryInput, 'input');
    const collecting = primaryInput !== undefined && operation.getPort(primaryInput, 'input')?.collect === true;
    let fed = false;
    for (const dep of step.dependsOn) {
      const source = this.operations.get(dep.name);
      if (source === undefined) {
        this.incomplete.add(step.name);
        continue;
      }
      const primaryOutput = primaryPort(source, registry.get(byName.get(dep.name)!.component!)?.primaryOutput, 'output');
      if (primaryInput !== undefined && primaryOutput !== undefined && (!fed || collecting)) {
        this.graph.connect(source as never, primaryOutput as never, operation as never, primaryInput as never);
        this.origins.set(`${step.name}.${primaryInput}`, dep.path);
        fed = true;
      } else this.graph.dependsOn(operation, source);
    }
  }

  /** Inputs take named data or literals; `depends_on` only orders. */
  wireTask(step: StepSpec, byName: ReadonlyMap<string, StepSpec>, producers: ReadonlyMap<string, { step: StepSpec; index: number }>): void {
    const operation = this.operations.get(step.name);
    if (operation === undefined) return;
    for (const input of step.inputs) {
      const port = operation.getPort(input.port, 'input');
      if (port === undefined) {
        this.problems.push({
          code: 'unknown-port',
          message: `Task '${step.name}' (${step.component}) has no input port '${input.port}'.`,
          hint: suggestion(input.port, operation.inputPorts.map((p) => p.name), 'input ports'),
          path: input.path,
          at: 'key',
        });
        continue;
      }
      if (input.kind === 'literal') {
        const mismatch = literalMismatch(port, input.value);
        if (mismatch !== undefined) {
          this.problems.push({ code: 'type-mismatch', message: `Input '${input.port}' of task '${step.name}' ${mismatch}.`, hint: `give a ${port.typeName} value`, path: input.path });
          continue;
        }
        const literal = new LiteralValue(input.value, { id: `${step.name}:${input.port}` });
        this.graph.connect(literal, 'value', operation as never, input.port as never);
        this.origins.set(`${step.name}.${input.port}`, input.path);
        continue;
      }
      const producer = producers.get(input.data);
      const source = producer && this.operations.get(producer.step.name);
      const sourcePort = producer && source && this.outputPort(producer.step, producer.index, source);
      if (source === undefined || sourcePort === undefined) {
        this.incomplete.add(step.name);
        continue;
      }
      this.graph.connect(source as never, sourcePort as never, operation as never, input.port as never);
      this.origins.set(`${step.name}.${input.port}`, input.path);
    }
    for (const dep of step.dependsOn) {
      const source = byName.has(dep.name) ? this.operations.get(dep.name) : undefined;
      if (source !== undefined) this.graph.dependsOn(operation, source);
    }
    // Report bad output ports even when nobody reads them.
    step.outputs.forEach((_, index) => this.outputPort(step, index, operation));
  }

  mapProblem(problem: GraphProblem, form: WorkflowForm, byName: ReadonlyMap<string, StepSpec>): PendingProblem | undefined {
    const stepOf = (id: string): StepSpec | undefined => byName.get(id) ?? byName.get(id.split(':')[0]!);
    switch (problem.kind) {
      case 'cycle':
        return undefined; // reported from the YAML already
      case 'unconnected-input': {
        const step = stepOf(problem.operationId);
        if (step === undefined || this.incomplete.has(step.name)) return undefined;
        return {
          code: 'unconnected-input',
          message: `Step '${step.name}' (${step.component}) needs input '${problem.port}', but nothing feeds it.`,
          hint: form === 'pipeline' ? `add depends_on: [<a step whose output feeds '${problem.port}'>]` : `wire it under inputs: { ${problem.port}: <data name> }`,
          path: step.componentPath,
        };
      }
      case 'type-mismatch': {
        const path = this.origins.get(`${problem.target.operationId}.${problem.target.port}`) ?? stepOf(problem.target.operationId)?.path ?? [];
        return { code: 'type-mismatch', message: problem.message, hint: `feed '${problem.target.port}' from an output of type ${problem.target.type}`, path };
      }
      default: {
        const id = 'operationId' in problem ? problem.operationId : undefined;
        const step = id === undefined ? undefined : stepOf(id);
        return { code: 'graph', message: problem.message, hint: 'fix the step named in the message', path: step?.path ?? [] };
      }
    }
  }

  /** The output port a task's `outputs` entry names; reports it when the component has no such port. */
  private outputPort(step: StepSpec, index: number, operation: Operation): string | undefined {
    const output = step.outputs[index]!;
    const ports = operation.outputPorts.map((p) => p.name);
    if (typeof output.port === 'number') {
      const name = ports[output.port];
      if (name === undefined && !this.reported.has(output.path)) {
        this.reported.add(output.path);
        this.problems.push({
          code: 'unknown-port',
          message: `Task '${step.name}' publishes ${step.outputs.length} outputs, but component '${step.component}' has ${ports.length === 0 ? 'no output ports' : `only ${ports.length}: ${ports.join(', ')}`}.`,
          hint: ports.length === 0 ? 'remove outputs from this task' : `list at most ${ports.length} name(s), or map ports explicitly: outputs: { ${ports[0]}: <data name> }`,
          path: output.path,
        });
      }
      return name;
    }
    if (ports.includes(output.port)) return output.port;
    if (!this.reported.has(output.path)) {
      this.reported.add(output.path);
      this.problems.push({
        code: 'unknown-port',
        message: `Task '${step.name}' (${step.component}) has no output port '${output.port}'.`,
        hint: suggestion(output.port, ports, 'output ports'),
        path: output.path,
        at: 'key',
      });
    }
    return undefined;
  }

}

/** The component's primary port when the operation has it, else the operation's first port of that direction. */
function primaryPort(operation: Operation, declared: string | undefined, direction: 'input' | 'output'): string | undefined {
  if (declared !== undefined && operation.getPort(declared, direction) !== undefined) return declared;
  return (direction === 'input' ? operation.inputPorts : operation.outputPorts)[0]?.name;
}
