/**
 * @portflow/core: typed dataflow graphs and the engine that runs them.
 * @packageDocumentation
 */
import 'reflect-metadata';

export { Operation, DynamicOperation, type OperationInit, type OperationPlacement, type ExecuteResult } from './operation';
export type { OperationRef, OperationResolver, ModuleLocation, RefSettings } from './operation-ref';
export { ModuleResolver, type ModuleResolverOptions } from './module-resolver';
export { jsonProblem, canonicalJson, type JsonValue } from './plain-data';
export { v8Codec, serializationProblem, type ValueCodec } from './value-codec';
export { Input, Collect, type InputOptions, type DecoratedValue } from './decorators/input';
export { Output } from './decorators/output';
export { OperationOptions, type OperationDeclaration } from './decorators/operation-options';
export type {
  InputPort,
  CollectInputPort,
  OutputPort,
  DynamicPorts,
  Inputs,
  Outputs,
  InputPortName,
  OutputPortName,
  InputValue,
  OutputValue,
  InputPortAccepting,
  PortDirection,
  PortOptions,
  PortDescriptor,
} from './port';
export { guard, type TypeGuard, type PortType, type PortConstructor, type ValueOf } from './port-type';
export { declaredPorts } from './port-reader';
export { DataChannel } from './data-channel';
export { GraphDefinition, type GraphOptions, type GraphOutput, type GraphOutputName } from './graph-definition';
export type { OrderingDependency } from './graph-analysis';
export type {
  GraphProblem,
  CycleProblem,
  UnconnectedInputProblem,
  UnknownPortProblem,
  DuplicateIdProblem,
  MultipleSourcesProblem,
  TypeMismatchProblem,
  InvalidSettingsProblem,
  ExecutorProblem,
} from './graph-problem';
export {
  ERROR_CODES,
  isPortflowError,
  type PortflowErrorCode,
  InvalidParamsError,
  OperationStateError,
  OperationRefError,
  ValueNotSerializableError,
  OutputUnavailableError,
  PortflowError,
  GraphValidationError,
  PortTypeError,
  MissingOutputError,
  OperationTimeoutError,
  RunCancelledError,
  InvalidOptionsError,
  UnknownOperationError,
  type PortTypeErrorDetails,
} from './errors';
export { type OperationSettings, type ResourceHint, RESOURCE_HINTS } from './operation-settings';
export { type RetryPolicy, NO_RETRY, retryDelay } from './retry-policy';
export type { ExecutionContext, ProgressDetails } from './execution-context';
export { GraphInput, Value } from './graph-input';
export {
  defineOperation,
  port,
  type PortSpec,
  type PortSpecOrType,
  type PortSpecs,
  type SpecValue,
  type SpecInputs,
  type SpecOutputs,
  type DefinedOperation,
  type DefinedOperationClass,
  type OperationDefinition,
} from './define-operation';
export { Flow, Future, type Futures, type FlowInputs, type FlowOptions } from './flow';
export type { PortValue } from './run-execution';
export { createLogger, silentLogger, type Logger, type LogEntry, type LogFields, type LogLevel } from './logger';
export type { OperationExecutor } from './operation-executor';
export { CancellationToken } from './cancellation-token';
export { ExecutionEngine, type EngineOptions, type RunOptions, type RunArguments, type ExecutorMap } from './execution-engine';
export type { FailurePolicy } from './run-execution';
export type { RunHandle } from './run-handle';
export {
  ExecutionResult,
  type SucceededResult,
  type RunStatus,
  type OperationStatus,
  type OperationRecord,
  type OperationErrorRecord,
} from './execution-result';
export {
  ofType,
  forOperation,
  type EngineEvent,
  type EngineEventType,
  type OperationEvent,
  type EventBase,
  type OperationEventBase,
  type RunCounts,
  type RunProgress,
  type ErrorSummary,
  type RunStarted,
  type OperationStarted,
  type OperationProgress,
  type OperationRetrying,
  type OperationCompleted,
  type OperationFailed,
  type OperationSkipped,
  type OperationCancelled,
  type RunCompleted,
} from './events';
