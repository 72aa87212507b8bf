/**
 * @portflow/distributed: run a graph's operations as BullMQ jobs on worker
 * processes, on this machine or others, with the engine as coordinator.
 * @packageDocumentation
 */
export { BullMQExecutor, type BullMQExecutorOptions } from './bullmq-executor';
export { createDistributedEngine, DEFAULT_QUEUES, type DistributedEngineOptions } from './distributed-engine';
export { startWorker, type WorkerOptions, type DistributedWorker } from './worker';
export { listWorkers, type ListWorkersOptions, type WorkerInfo } from './fleet';
export { pruneAbandonedRuns, type AbandonedRun, type PruneAbandonedRunsOptions } from './abandoned-runs';
export { checkRedisServer, type RedisConnection, type ConfigReader } from './connection';
export { NoWorkerError, RedisConfigurationError, RunLeaseError } from './errors';
export { DEFAULT_BLOB_THRESHOLD, type BlobOptions, type BlobReference, type EncodedValue, type InlineJson } from './job-values';
