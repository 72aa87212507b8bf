import type { FastifyInstance } from 'fastify';
import { isPortflowError, type JsonValue } from '@portflow/core';
import type { ExecutionStatus } from '@portflow/store';
import { parseEventId, streamExecution } from '../event-stream';
import { BufferedFollower } from '../execution-hub';
import { HttpError, httpErrorOf } from '../http-errors';
import { paramsProblems } from '../served-workflows';
import type { ServiceContext } from '../service-context';
import { readStepLogs } from '../step-logs';

const STATUSES: readonly ExecutionStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
const ID = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,100}$' } as const;
const NAME = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,100}$' } as const;
const KEY = { type: 'string', minLength: 1, maxLength: 200 } as const;

/** Submits an execution of a served workflow, checking its parameters first; shared by the submit and webhook routes. @internal */
export async function submitExecution(context: ServiceContext, name: string, params: Readonly<Record<string, unknown>>, idempotencyKey: string | undefined): Promise<string> {
  try {
    const served = context.workflows.get(name);
    if (served === undefined) {
      const known = [...context.workflows.keys()];
      throw new HttpError(404, 'unknown_workflow', `No workflow '${name}' is served here; ${known.length === 0 ? 'none is' : `the workflows are ${known.map((k) => `'${k}'`).join(', ')}`} (GET /workflows lists them).`);
    }
    const problems = paramsProblems(served.outline, params);
    if (problems.length > 0) throw new HttpError(400, 'invalid_params', `The parameters are not valid for '${name}': ${problems.join('; ')}.`);
    const executionId = await context.manager.submit(name, params as Readonly<Record<string, JsonValue>>, idempotencyKey === undefined ? {} : { idempotencyKey });
    context.metrics.accepted();
    return executionId;
  } catch (error) {
    context.metrics.rejected(httpErrorOf(error)?.error ?? 'internal');
    throw error;
  }
}

/** The routes under `/executions` and the submit route. @internal */
export function executionRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { manager } = context;

  app.post<{ Params: { name: string }; Body: { params?: Record<string, unknown>; idempotencyKey?: string } | undefined; Headers: { 'idempotency-key'?: string } }>(
    '/workflows/:name/executions',
    {
      schema: {
        params: { type: 'object', properties: { name: NAME }, required: ['name'] },
        headers: { type: 'object', properties: { 'idempotency-key': KEY } },
        body: { type: ['object', 'null'], properties: { params: { type: 'object' }, idempotencyKey: KEY }, additionalProperties: false },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const header = request.headers['idempotency-key'];
      if (header !== undefined && body.idempotencyKey !== undefined && header !== body.idempotencyKey) {
        throw new HttpError(400, 'invalid_request', 'The Idempotency-Key header and the body\'s idempotencyKey differ; send one of them.');
      }
      const executionId = await submitExecution(context, request.params.name, body.params ?? {}, body.idempotencyKey ?? header);
      return reply.code(202).header('location', `/executions/${executionId}`).send({ executionId });
    },
  );

  app.get<{ Querystring: { workflow?: string; status?: string; limit?: number; cursor?: string } }>(
    '/executions',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            workflow: NAME,
            status: { type: 'string', pattern: `^(${STATUSES.join('|')})(,(${STATUSES.join('|')}))*$` },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            cursor: { type: 'string', minLength: 1, maxLength: 500 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { workflow, status, limit, cursor } = request.query;
      try {
        return await manager.list({
          ...(workflow === undefined ? {} : { workflow }),
          ...(status === undefined ? {} : { status: status.split(',') as ExecutionStatus[] }),
          ...(limit === undefined ? {} : { limit }),
          ...(cursor === undefined ? {} : { before: cursor }),
        });
      } catch (error) {
        if (cursor !== undefined && isPortflowError(error, 'PORTFLOW_INVALID_OPTIONS')) throw new HttpError(400, 'invalid_request', "querystring cursor is not a cursor; pass the 'next' of a previous page.");
        throw error;
      }
    },
  );

  const execution = async (id: string) => {
    const found = await manager.get(id);
    if (found === undefined) throw new HttpError(404, 'not_found', `No execution '${id}'; GET /executions lists them.`);
    return found;
  };
  const idParams = { type: 'object', properties: { id: ID }, required: ['id'] } as const;

  app.get<{ Params: { id: string } }>('/executions/:id', { schema: { params: idParams } }, (request) => execution(request.params.id));

  app.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>(
    '/executions/:id/cancel',
    { schema: { params: idParams, body: { type: ['object', 'null'], properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } }, additionalProperties: false } } },
    async (request) => {
      await execution(request.params.id);
      return { cancelled: await manager.cancel(request.params.id, request.body?.reason ?? 'cancelled through the service') };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { operation?: string } }>(
    '/executions/:id/logs',
    { schema: { params: idParams, querystring: { type: 'object', properties: { operation: { type: 'string', minLength: 1, maxLength: 200 } }, additionalProperties: false } } },
    async (request) => {
      const found = await execution(request.params.id);
      return { logs: await readStepLogs(context.store, found.runIds, request.query.operation) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { lastEventId?: string }; Headers: { 'last-event-id'?: string } }>(
    '/executions/:id/events',
    { schema: { params: idParams, querystring: { type: 'object', properties: { lastEventId: { type: 'string', maxLength: 220 } }, additionalProperties: false } } },
    async (request, reply) => {
      const from = parseEventId(request.headers['last-event-id'] ?? request.query.lastEventId);
      if (from === null) throw new HttpError(400, 'invalid_request', 'Last-Event-ID must be the id of an event of this stream (<runId>:<seq>).');
      // Followed before it is read: what happens in between is held, not lost.
      const follower = new BufferedFollower(context.hub, request.params.id);
      let found;
      try {
        found = await execution(request.params.id);
      } catch (error) {
        follower.stop();
        throw error;
      }
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      await streamExecution(context, found, follower, from, reply.raw, context.closing);
    },
  );
}
