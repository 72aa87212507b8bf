import { isPortflowError } from '@portflow/core';
import { QueueFullError } from '@portflow/runs';
import type { WorkflowProblem } from '@portflow/workflow';

/** An error answered as JSON `{ error, message }` with a status and, for 429, `Retry-After`. */
export class HttpError extends Error {
  constructor(
    /** The HTTP status. */
    readonly status: number,
    /** A short machine-readable code, the body's `error`. */
    readonly error: string,
    message: string,
    /** Extra response headers. */
    readonly headers: Readonly<Record<string, string>> = {},
    /** Extra body fields. */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  /** The response body. */
  body(): Record<string, unknown> {
    return { error: this.error, message: this.message, ...this.extra };
  }
}

/**
 * The HTTP answer to an error a route's call into the run manager threw:
 * 429 for a full queue (with `Retry-After`), 404 for an unknown workflow or
 * execution, 409 for a busy workflow, 400 for parameters the workflow
 * refuses, 503 while closing. Undefined for anything else (a 500). Messages
 * carry no file paths of the server. @internal
 */
export function httpErrorOf(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof QueueFullError) {
    const seconds = Math.max(1, Math.ceil(error.retryAfterMs / 1000));
    return new HttpError(429, 'queue_full', error.message, { 'retry-after': String(seconds) }, { retryAfterMs: error.retryAfterMs });
  }
  if (!isPortflowError(error)) return undefined;
  switch (error.code) {
    case 'PORTFLOW_UNKNOWN_WORKFLOW':
      return new HttpError(404, 'unknown_workflow', error.message);
    case 'PORTFLOW_WORKFLOW_BUSY':
      return new HttpError(409, 'workflow_busy', error.message);
    case 'PORTFLOW_RUNS_CLOSED':
      return new HttpError(503, 'closing', 'The service is shutting down and accepts no execution; submit again once it is back.');
    case 'PORTFLOW_WORKFLOW_INVALID': {
      const problems = (error as unknown as { problems?: readonly WorkflowProblem[] }).problems ?? [];
      const text = problems.map((p) => (p.hint === undefined ? p.message : `${p.message} (${p.hint})`)).join('; ');
      return new HttpError(400, 'invalid_params', `The parameters are not valid for this workflow: ${text || error.message}`);
    }
    case 'PORTFLOW_INVALID_OPTIONS':
    case 'PORTFLOW_INVALID_PARAMS':
    case 'PORTFLOW_PARAMS_INVALID':
    case 'PORTFLOW_GRAPH_INVALID':
      return new HttpError(400, 'invalid_params', `The parameters are not valid for this workflow: ${error.message}`);
    default:
      return undefined;
  }
}
