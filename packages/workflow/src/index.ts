/**
 * @portflow/workflow: declarative workflows. Write a pipeline in YAML (or
 * JSON), name registered components, and compile it to a `GraphDefinition`.
 * @packageDocumentation
 */
import 'reflect-metadata';

export { Component, type ComponentOptions, type ParamsClass } from './decorators/component';
export { ComponentRegistry, type ComponentRegistryOptions, type CreateContext } from './component-registry';
export type { ComponentDescriptor, ComponentClass, ParamDescriptor } from './component-descriptor';
export { StepInit, StepSource, StepWiring, WorkflowFile, type SourcePosition } from './step-init';
export { validateParams, paramNames, type ParamsResult } from './params-validation';
export { checkWorkflow, loadWorkflow, loadWorkflowFile, type LoadOptions, type CheckResult } from './load-workflow';
export type { CompiledWorkflow, WorkflowStep } from './compile-workflow';
export type { WorkflowMetadata, WorkflowTrigger } from './spec/read-service';
export type { WorkflowForm } from './spec/workflow-spec';
export { formatProblem, type WorkflowProblem, type WorkflowProblemCode } from './workflow-problem';
export { parseVariableAssignment } from './expressions';
export { loadPlugin } from './plugins';
export { closestNames, editDistance } from './closest-names';
export {
  WorkflowValidationError,
  ComponentRegistrationError,
  ParamsValidationError,
  UnknownComponentError,
  PluginLoadError,
  PathOutsideRootsError,
  type ParamsIssue,
} from './errors';
export { BUILTIN_COMPONENTS, builtinRegistry } from './components/builtin-components';
export { Constant, ConstantParams } from './components/constant';
export { Log, LogParams } from './components/log';
export { Delay, DelayParams } from './components/delay';
export { Command, CommandParams } from './components/command';
export { CommandError, type CommandErrorDetails, type CommandFailure } from './components/command-error';
export { reportWritten } from './report-written';
