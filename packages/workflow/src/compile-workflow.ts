import { GraphDefinition, type EngineOptions, type Operation } from '@portflow/core';
import { suggestion } from './closest-names';
import type { ComponentRegistry } from './component-registry';
import { ParamsValidationError, PathOutsideRootsError } from './errors';
import { GraphWiring } from './graph-wiring';
import { StepSource, StepWiring, WorkflowFile, type SourcePosition } from './step-init';
import { findCycles, type Edge } from './step-cycles';
import type { WorkflowMetadata, WorkflowTrigger } from './spec/read-service';
import type { NodePath, StepSpec, WorkflowForm, WorkflowSpec } from './spec/workflow-spec';
import type { PendingProblem, WorkflowProblem } from './workflow-problem';

/** A step of a compiled workflow: its name (the operation id), component and operation. */
export interface WorkflowStep {
  readonly name: string;
  readonly component: string;
  readonly operation: Operation;
}

/**
 * A workflow compiled to a `GraphDefinition`, with the engine options its
 * `settings` asked for and its resolved variables. Hand `graph` to an
 * `ExecutionEngine` built from `engineOptions`, with `variables` as run
 * variables.
 *
 * @example
 * ```ts
 * const workflow = loadWorkflowFile('flows/etl.yaml', { registry: builtinRegistry() });
 * const engine = new ExecutionEngine(workflow.engineOptions);
 * const result = await engine.run(workflow.graph, { variables: workflow.variables });
 * ```
 */
export interface CompiledWorkflow {
  readonly name: string;
  readonly description: string | undefined;
  readonly form: WorkflowForm;
  /** The file it came from, or `<input>`. */
  readonly file: string;
  readonly graph: GraphDefinition;
  /** From `settings`: maxParallel, retry, timeoutMs, failurePolicy, cpuThreads, ioConcurrency. */
  readonly engineOptions: Readonly<EngineOptions>;
  /** Declared variables with overrides applied. */
  readonly variables: Readonly<Record<string, unknown>>;
  /** The workflow's steps in the order written (literal inputs are operations too, but not steps). */
  readonly steps: readonly WorkflowStep[];
  /** Top-level `metadata`: how a run service treats its executions. */
  readonly metadata: WorkflowMetadata;
  /** Top-level `triggers`: webhooks and schedules a run service starts it from. */
  readonly triggers: readonly WorkflowTrigger[];
  /** What was accepted but is worth telling (an ignored setting), with positions; not problems. */
  readonly notices: readonly WorkflowProblem[];
}

/**
 * Resolves a read workflow against a registry and builds its graph, adding
 * every problem found to `problems`. Returns the workflow only when nothing
 * is wrong. @internal
 */
export function compileSpec(
  spec: WorkflowSpec,
  registry: ComponentRegistry,
  file: WorkflowFile,
  problems: PendingProblem[],
  locate: (path: NodePath) => SourcePosition | undefined = () => undefined,
): Omit<CompiledWorkflow, 'file' | 'notices'> | undefined {
  const start = problems.length;
  const byName = new Map(spec.steps.map((s) => [s.name, s]));
  const operations = new Map<string, Operation>();
  for (const step of spec.steps) {
    const operation = createStep(step, registry, file, problems, locate);
    if (operation !== undefined) operations.set(step.name, operation);
  }

  const edges: Edge[] = [];
  const producers = new Map<string, { step: StepSpec; index: number }>();
  for (const step of spec.steps) {
    step.outputs.forEach((output, index) => {
      const other = producers.get(output.data);
      if (other !== undefined) {
        problems.push({
          code: 'duplicate-data',
          message: `Data name '${output.data}' is published by both '${other.step.name}' and '${step.name}'.`,
          hint: 'give each output its own name; inputs refer to exactly one producer',
          path: output.path,
        });
      } else producers.set(output.data, { step, index });
    });
  }
  for (const step of spec.steps) {
    for (const dep of step.dependsOn) {
      if (!byName.has(dep.name)) {
        problems.push({
          code: 'unknown-step',
          message: `Step '${step.name}' depends on '${dep.name}', but there is no step with that name.`,
          hint: suggestion(dep.name, [...byName.keys()].filter((n) => n !== step.name), 'steps'),
          path: dep.path,
        });
      } else edges.push({ from: dep.name, to: step.name, path: dep.path });
    }
    for (const input of step.inputs) {
      if (input.kind !== 'data') continue;
      const producer = producers.get(input.data);
      if (producer === undefined) {
        const near = suggestion(input.data, [...producers.keys()], 'data names');
        problems.push({
          code: 'unknown-data',
          message: `Input '${input.port}' of task '${step.name}' takes '${input.data}', but no task publishes it in its outputs.`,
          hint: `${near}; for a literal string write ${input.port}: { value: ${JSON.stringify(input.data)} }`,
          path: input.path,
        });
      } else edges.push({ from: producer.step.name, to: step.name, path: input.path });
    }
  }
  const cycles = findCycles(spec.steps, edges);
  for (const cycle of cycles) {
    problems.push({
      code: 'cycle',
      message: `Steps depend on each other in a loop: ${cycle.names.join(' → ')}.`,
      hint: 'remove one of these dependencies; a workflow must be acyclic',
      path: cycle.closing.path,
    });
  }
  if (cycles.length > 0) return undefined;

  const graph = new GraphDefinition({ name: spec.name });
  for (const step of spec.steps) {
    const operation = operations.get(step.name);
    if (operation !== undefined) graph.add(operation);
  }
  const wiring = new GraphWiring(graph, operations, problems);
  for (const step of spec.steps) {
    if (spec.form === 'pipeline') wiring.wirePipelineStep(step, byName, registry);
    else wiring.wireTask(step, byName, producers);
  }
  if (problems.length > start) return undefined;
  for (const problem of graph.findProblems()) {
    const mapped = wiring.mapProblem(problem, spec.form, byName);
    if (mapped !== undefined) problems.push(mapped);
  }
  if (problems.length > start) return undefined;
  return {
    name: spec.name,
    description: spec.description,
    form: spec.form,
    graph,
    engineOptions: Object.freeze({ ...spec.engine }),
    variables: Object.freeze({ ...spec.variables }),
    metadata: spec.metadata,
    triggers: spec.triggers,
    steps: spec.steps.map((s) => ({ name: s.name, component: s.component!, operation: operations.get(s.name)! })),
  };
}

function createStep(step: StepSpec, registry: ComponentRegistry, file: WorkflowFile, problems: PendingProblem[], locate: (path: NodePath) => SourcePosition | undefined): Operation | undefined {
  if (step.component === undefined) return undefined;
  if (!registry.has(step.component)) {
    problems.push({
      code: 'unknown-component',
      message: `Unknown component '${step.component}' in step '${step.name}'.`,
      hint: `${suggestion(step.component, registry.names(), 'components')} Run \`portflow components\` to list them, or load a plugin.`,
      path: step.componentPath,
    });
    return undefined;
  }
  try {
    const wiring = new StepWiring(
      step.inputs.map((i) => i.port),
      step.dependsOn.map((d) => d.name),
    );
    const source = new StepSource(step.name, file.path, (paramPath) => locate([...step.paramsPath, ...paramPath]));
    return registry.create(step.component, step.params, { id: step.name, ...step.settings }, { wiring, file, source });
  } catch (error) {
    if (error instanceof PathOutsideRootsError) {
      problems.push({ code: 'path-outside-roots', message: `Step '${step.name}' (${step.component}): ${error.message}.`, hint: 'paths are relative to the workflow file; they may not leave the folders it is allowed (roots)', path: step.paramsPath });
      return undefined;
    }
    if (!(error instanceof ParamsValidationError)) {
      problems.push({
        code: 'component-error',
        message: `Component '${step.component}' of step '${step.name}' could not be created: ${(error as Error).message}`,
        hint: 'check the params against `portflow components ' + step.component + '`',
        path: step.componentPath,
      });
      return undefined;
    }
    const known = registry.get(step.component)!.params.map((p) => p.name);
    for (const issue of error.issues) {
      const where = `step '${step.name}' (${step.component})`;
      if (issue.kind === 'unknown') {
        problems.push({
          code: 'unknown-param',
          message: `Unknown param '${issue.path.join('.')}' for ${where}.`,
          hint: issue.suggestions?.length ? `did you mean '${issue.suggestions[0]}'?` : known.length > 0 ? `its params are: ${known.join(', ')}` : `${step.component} takes no params`,
          path: [...step.paramsPath, ...issue.path],
          at: 'key',
        });
      } else if (issue.kind === 'missing') {
        const param = String(issue.path[0]);
        const type = registry.get(step.component)!.params.find((p) => p.name === param)?.type ?? 'value';
        problems.push({
          code: 'missing-param',
          message: `Missing param '${issue.path.join('.')}' for ${where}.`,
          hint: `add it under params, e.g. ${param}: <${type}>`,
          path: step.paramsPath,
          at: 'key',
        });
      } else {
        problems.push({
          code: 'invalid-param',
          message: `Invalid param '${issue.path.join('.') || 'params'}' for ${where}: ${issue.message}.`,
          hint: `see \`portflow components ${step.component}\` for what it accepts`,
          path: [...step.paramsPath, ...issue.path],
        });
      }
    }
    return undefined;
  }
}
