/**
 * @portflow/workers: run CPU- and memory-bound operations on worker threads.
 * @packageDocumentation
 */
export { WorkerOperation, MainThread, runOnMainThread, workerSpecOf, type WorkerOperationOptions, type WorkerSpec, type TransferMode } from './declaration';
export { WorkerPoolExecutor, createWorkerExecutor, type WorkerExecutorOptions } from './executor';
export { WorkerEngine, createWorkerEngine, type WorkerEngineOptions } from './engine';
export { validateForWorkers, findWorkerProblems, workerReasons, WORKER_RESOURCES, type WorkerValidationOptions } from './validation';
export { WorkerCapabilityError, WorkerCrashError, type WorkerCrashKind, type WorkerProblem } from './errors';
export { adoptRealm } from './values';
