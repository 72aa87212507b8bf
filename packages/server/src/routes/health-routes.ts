import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../service-context';

/** `GET /healthz` and `GET /metrics` (Prometheus text). @internal */
export function healthRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get('/healthz', async () => ({ status: 'ok', running: context.manager.running, queued: context.manager.queued }));
  app.get('/metrics', async (_request, reply) => reply.type(context.metrics.registry.contentType).send(await context.metrics.text()));
}
