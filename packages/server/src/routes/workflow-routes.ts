import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http-errors';
import { paramsSchema } from '../served-workflows';
import type { ServiceContext } from '../service-context';
import { submitExecution } from './execution-routes';

const NAME = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,100}$' } as const;

/** `GET /workflows`, `GET /workflows/:name` and `POST /webhooks/:name`. @internal */
export function workflowRoutes(app: FastifyInstance, context: ServiceContext): void {
  const described = (name: string) => {
    const served = context.workflows.get(name);
    if (served === undefined) throw new HttpError(404, 'unknown_workflow', `No workflow '${name}' is served here; GET /workflows lists them.`);
    const { runnable, outline } = served;
    return {
      name,
      ...(outline.description === undefined ? {} : { description: outline.description }),
      allowConcurrentExecution: runnable.allowConcurrentExecution ?? true,
      whenBusy: runnable.whenBusy ?? 'queue',
      triggers: outline.triggers,
      params: paramsSchema(outline),
      steps: outline.steps,
    };
  };

  app.get('/workflows', async () => ({
    workflows: [...context.workflows.keys()].map((name) => {
      const { steps, params: _params, ...rest } = described(name);
      return { ...rest, steps: steps.length };
    }),
  }));

  app.get<{ Params: { name: string } }>('/workflows/:name', { schema: { params: { type: 'object', properties: { name: NAME }, required: ['name'] } } }, async (request) => described(request.params.name));

  app.post<{ Params: { name: string }; Body: Record<string, unknown> | undefined; Headers: { 'idempotency-key'?: string } }>(
    '/webhooks/:name',
    {
      schema: {
        params: { type: 'object', properties: { name: NAME }, required: ['name'] },
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 200 } } },
        body: { type: ['object', 'null'] },
      },
    },
    async (request, reply) => {
      const served = context.workflows.get(request.params.name);
      if (served === undefined || !served.outline.triggers.some((t) => t.kind === 'webhook')) {
        throw new HttpError(404, 'no_webhook', `No workflow '${request.params.name}' with a webhook trigger is served here; a workflow takes webhooks with 'triggers: [{ webhook: true }]'.`);
      }
      const executionId = await submitExecution(context, served.name, request.body ?? {}, request.headers['idempotency-key']);
      return reply.code(202).header('location', `/executions/${executionId}`).send({ executionId });
    },
  );
}
