import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { bearerMatches } from './auth';
import { httpErrorOf } from './http-errors';
import { executionRoutes } from './routes/execution-routes';
import { healthRoutes } from './routes/health-routes';
import { webRoutes } from './routes/web-routes';
import { workflowRoutes } from './routes/workflow-routes';
import type { ServiceContext } from './service-context';

/** Largest request body, bytes. */
export const BODY_LIMIT = 1024 * 1024;

/** Paths the web view loads before it can send a token: the page shell and its scripts, which hold no data. */
const PUBLIC = /^\/(assets\/[^/?]*)?(\?.*)?$/;

/**
 * The service's fastify app: every route, the bearer-token check, JSON
 * schemas that refuse unknown fields, and errors answered as `{ error,
 * message }`. @internal
 */
export function createApp(context: ServiceContext, token: string | undefined): FastifyInstance {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    logger: false,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  });
  if (token !== undefined) {
    app.addHook('onRequest', async (request, reply) => {
      if (PUBLIC.test(request.url)) return;
      if (!bearerMatches(request.headers.authorization, token)) {
        await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: 'This service needs a token: send Authorization: Bearer <token> (the token given to portflow serve with --token or PORTFLOW_TOKEN).' });
      }
    });
  }
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const http = httpErrorOf(error);
    if (http !== undefined) return reply.code(http.status).headers(http.headers).send(http.body());
    if (error.validation !== undefined) {
      return reply.code(400).send({ error: 'invalid_request', message: `${error.validationContext ?? 'request'}${error.validation[0]?.instancePath ?? ''} ${error.validation[0]?.message ?? error.message}${describeExtra(error)}` });
    }
    if (error.statusCode === 413) return reply.code(413).send({ error: 'too_large', message: `The body is over ${BODY_LIMIT} bytes.` });
    if (error.statusCode === 415) return reply.code(415).send({ error: 'unsupported_media_type', message: 'Send JSON bodies with content-type: application/json.' });
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ error: error.statusCode === 400 ? 'invalid_request' : 'bad_request', message: error.message });
    }
    context.logger.error(`${request.method} ${request.url} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return reply.code(500).send({ error: 'internal', message: 'The service failed to answer; its log says why.' });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}.` }));
  executionRoutes(app, context);
  workflowRoutes(app, context);
  healthRoutes(app, context);
  webRoutes(app);
  return app;
}

/** Names the unknown field of an `additionalProperties` failure. */
function describeExtra(error: FastifyError): string {
  const params = error.validation?.[0]?.params as { additionalProperty?: string } | undefined;
  return params?.additionalProperty === undefined ? '' : ` ('${params.additionalProperty}')`;
}

