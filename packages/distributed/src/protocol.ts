/**
 * What travels in a job: the data a coordinator adds, the outcome a worker
 * returns, and how ids, values and errors are written so they cross JSON.
 * @internal
 */
import { types } from 'node:util';
import { v8Codec, type LogLevel, type OperationRef } from '@portflow/core';
import type { EncodedValue } from './job-values';

/** Format of {@link JobData}; a worker refuses other versions. */
export const PROTOCOL_VERSION = 3;

/** The data of one job: one attempt of one operation. */
export interface JobData {
  readonly protocol: number;
  readonly ref: OperationRef;
  readonly runId: string;
  readonly operationId: string;
  readonly attempt: number;
  /** The attempt's `context.idempotencyKey` (`<first run of the resume chain>/<operationId>`); `runId/operationId` when absent. */
  readonly idempotencyKey?: string;
  /** sha256 of the operation's module file as the coordinator has it; a worker whose file differs refuses the job. */
  readonly codeHash?: string;
  /** The inputs record, encoded with `v8Codec`: base64, or a file of the blob directory when large. */
  readonly inputs: EncodedValue;
  /** The run variables that can be encoded, with `v8Codec`, base64. */
  readonly variables?: string;
  /** Names of run variables that could not be encoded. */
  readonly missingVariables?: readonly string[];
}

/** An error as it crosses processes. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
}

/** A job's return value: the attempt's outcome. */
export type JobOutcome =
  | { readonly ok: true; readonly outputs: EncodedValue }
  | { readonly ok: false; readonly error: SerializedError; readonly aborted?: boolean };

/** Progress a worker reports through `job.updateProgress`. */
export interface JobProgress {
  readonly fraction: number;
  readonly message?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** A log line of the operation, sent back through `job.updateProgress` to the coordinator's logger. */
export interface JobLog {
  readonly log: {
    readonly level: LogLevel;
    readonly message: string;
    /** The line's own fields, as JSON (the worker's bindings are left out). */
    readonly fields?: Readonly<Record<string, unknown>>;
  };
}

/** Escapes `%`, `:` and `.` so that components joined by `.` are unambiguous and BullMQ accepts them. */
export function escapeComponent(s: string): string {
  return s.replace(/[%:.]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * The job id of one attempt: `run.operation.attempt`, each part escaped,
 * where `run` is the first run of the resume chain (what
 * `context.idempotencyKey` starts with), so a resumed run's attempts have
 * the ids of the earlier runs' attempts. Deterministic, so adding the same
 * attempt twice adds one job; never an integer and never with `:`, which
 * BullMQ refuses.
 */
export function jobIdOf(runId: string, operationId: string, attempt: number): string {
  return `${escapeComponent(runId)}.${escapeComponent(operationId)}.${attempt}`;
}

/** `v8Codec` bytes as base64. */
export function encodeValue(value: unknown): string {
  return Buffer.from(v8Codec.encode(value)).toString('base64');
}

/** The value of {@link encodeValue}'s base64. */
export function decodeValue(base64: string): unknown {
  return v8Codec.decode(Buffer.from(base64, 'base64'));
}

/** Anything thrown, as data. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error || types.isNativeError(error)) {
    const e = error as Error & { code?: unknown };
    return { name: e.name, message: e.message, ...(e.stack === undefined ? {} : { stack: e.stack }), ...(typeof e.code === 'string' ? { code: e.code } : {}) };
  }
  return { name: 'NonError', message: typeof error === 'string' ? error : String(error) };
}

/** An `Error` with the serialized error's name, message, code and the worker's stack. */
export function deserializeError(s: SerializedError): Error {
  const error = new Error(s.message) as Error & { code?: string };
  Object.defineProperty(error, 'name', { value: s.name, writable: true, configurable: true, enumerable: false });
  if (s.stack !== undefined) Object.defineProperty(error, 'stack', { value: s.stack, writable: true, configurable: true, enumerable: false });
  if (s.code !== undefined) error.code = s.code;
  return error;
}

/** This process's Node.js major version. */
export const NODE_MAJOR = nodeMajorOf(process.versions.node);

/** The major of a Node.js version string (`20.11.1` → 20). */
export function nodeMajorOf(version: string): number {
  return Number.parseInt(version, 10);
}

/**
 * Queue names carry the build id and the Node.js major, so a worker of
 * another build never takes a job, nor does one on another Node.js major:
 * values cross as `v8.serialize` bytes, whose format only the same or a
 * newer V8 reads, and a coordinator's outputs come back the other way.
 */
export function queueNameOf(queue: string, buildId: string, nodeMajor = NODE_MAJOR): string {
  return `${queue}-${buildId}-node${nodeMajor}`;
}

/** The pub/sub channel that carries cancel messages for a queue. */
export function cancelChannelOf(prefix: string, queueName: string): string {
  return `${prefix}:portflow:cancel:${queueName}`;
}

/** The key that marks a job cancelled, for workers that take it after the message went out. */
export function cancelKeyOf(prefix: string, queueName: string, jobId: string): string {
  return `${prefix}:portflow:cancelled:${queueName}:${jobId}`;
}

/** What {@link escapeComponent} escaped. */
export function unescapeComponent(s: string): string {
  return s.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/**
 * The set of the job ids a resume chain (named by its first run) added to a
 * queue: what the coordinator removes when the chain's run ends, including
 * jobs added by an earlier coordinator of the chain.
 */
export function chainJobsKeyOf(prefix: string, queueName: string, rootRunId: string): string {
  return `${prefix}:portflow:jobs:${queueName}:${escapeComponent(rootRunId)}`;
}
