import type { EngineOptions, OperationSettings } from '@portflow/core';
import type { WorkflowMetadata, WorkflowTrigger } from './read-service';

/** A path from the document root: keys and list indices. @internal */
export type NodePath = readonly (string | number)[];

/** Which of the two YAML forms a workflow is written in. */
export type WorkflowForm = 'pipeline' | 'tasks';

/** An input of a task-form step: named data another step publishes, or a literal value. @internal */
export type InputSpec =
  | { readonly port: string; readonly path: NodePath; readonly kind: 'data'; readonly data: string }
  | { readonly port: string; readonly path: NodePath; readonly kind: 'literal'; readonly value: unknown };

/** An output a task-form step publishes: an output port (by name or position) under a data name. @internal */
export interface OutputSpec {
  readonly port: string | number;
  readonly data: string;
  readonly path: NodePath;
}

/** A step of either form, read and checked for shape but not yet resolved. @internal */
export interface StepSpec {
  readonly name: string;
  readonly path: NodePath;
  /** The component name; undefined when the step names none (already reported). */
  readonly component: string | undefined;
  readonly componentPath: NodePath;
  readonly params: unknown;
  readonly paramsPath: NodePath;
  readonly settings: OperationSettings;
  readonly dependsOn: readonly { readonly name: string; readonly path: NodePath }[];
  readonly inputs: readonly InputSpec[];
  readonly outputs: readonly OutputSpec[];
}

/** A workflow of either form, normalized. @internal */
export interface WorkflowSpec {
  readonly form: WorkflowForm;
  readonly name: string;
  readonly description: string | undefined;
  readonly engine: EngineOptions;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly plugins: readonly { readonly path: string; readonly at: NodePath }[];
  readonly metadata: WorkflowMetadata;
  readonly triggers: readonly WorkflowTrigger[];
  readonly steps: readonly StepSpec[];
}
