/**
 * @portflow/core: typed dataflow graphs and the engine that runs them.
 * @packageDocumentation
 */
import 'reflect-metadata';

export { Operation, DynamicOperation, type OperationInit, type OperationPlacement, type ExecuteResult } from './model/operation';
export type { OperationRef, OperationResolver, ModuleLocation, RefSettings } from './model/operation-ref';
export { ModuleResolver, type ModuleResolverOptions } from './model/module-resolver';
export { jsonProblem, canonicalJson, type JsonValue } from './model/plain-data';
export { v8Codec, serializationProblem, type ValueCodec } from './values/value-codec';
export type {
  CheckpointStore,
  CheckpointRun,
  CheckpointSession,
  CheckpointRecord,
  CheckpointRunSummary,
  StoredOperation,
  EncodedOutput,
} from './durability/checkpoint-store';
export { MemoryCheckpointStore, type MemoryRunRecord } from './durability/memory-checkpoint-store';
export { contentHash, isContentHash, LITERAL_CONTENT_BYTES, matchesContentHash } from './durability/content-hash';
export { Input, Collect, type InputOptions, type DecoratedValue, type PortKeyCheck, type DecoratorTypeMismatch, type DecoratorKindMismatch, type NotAPortProperty } from './model/decorators/input';
export { Output } from './model/decorators/output';
export { requireExperimentalDecorators } from './model/decorators/decorator-mode';
export { OperationOptions, type OperationDeclaration } from './model/decorators/operation-options';
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
  AcceptedInputPort,
  PortTypeMismatch,
  PortDirection,
  PortOptions,
  PortDescriptor,
} from './model/ports/port';
export { guard, type TypeGuard, type PortType, type PortConstructor, type ValueOf } from './model/ports/port-type';
export { declaredPorts } from './model/metadata/read';
export { DataChannel } from './graph/data-channel';
export { GraphDefinition, type GraphOptions, type GraphOutput, type GraphOutputName } from './graph/graph-definition';
export type { OrderingDependency } from './graph/graph-analysis';
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
} from './graph/graph-problem';
export {
  ERROR_CODES,
  isPortflowError,
  type PortflowErrorCode,
  InvalidParamsError,
  OperationStateError,
  OperationRefError,
  ValueNotSerializableError,
  UnknownRunError,
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
} from './errors/errors';
export { type OperationSettings, type CacheSetting, type ResourceHint, RESOURCE_HINTS } from './model/operation-settings';
export { type RetryPolicy, NO_RETRY, retryDelay } from './model/retry-policy';
export type { ExecutionContext, ProgressDetails } from './model/execution-context';
export { GraphInput, Value } from './model/graph-input';
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
} from './model/define-operation';
export { Flow, Future, type Futures, type FlowInputs, type FlowOptions } from './script/flow';
export type { PortValue } from './engine/run-execution';
export { createLogger, silentLogger, type Logger, type LogEntry, type LogFields, type LogLevel } from './logging/logger';
export type { OperationExecutor, RunEndedSummary } from './engine/operation-executor';
export { CancellationToken } from './engine/cancellation-token';
export { ExecutionEngine, type EngineOptions, type RunOptions, type RunArguments, type ExecutorMap, type CheckpointMode } from './engine/execution-engine';
export type { FailurePolicy } from './engine/run-execution';
export type { RunHandle } from './engine/run-handle';
export {
  ExecutionResult,
  type SucceededResult,
  type RunStatus,
  type OperationStatus,
  type OperationRecord,
  type OperationErrorRecord,
} from './results/execution-result';
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
  type OperationRestored,
  type OperationFailed,
  type OperationSkipped,
  type OperationCancelled,
  type RunCompleted,
} from './events/events';
