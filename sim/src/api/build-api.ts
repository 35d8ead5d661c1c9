/**
 * The sim's HTTP app: the Cloudflare v4 subset under /client/v4, the admin
 * API under /admin, and /metrics. Every answer, including fastify's own
 * errors (bad JSON, body too large, unknown route), is the Cloudflare
 * envelope with a 4xx; a 5xx only ever comes from an injected API fault or
 * a bug.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { SimApiDeps } from './api-deps.js';
import { registerAdminRoutes } from './admin-routes.js';
import { ApiError, cfErrors } from './cf-errors.js';
import { fail } from './envelope.js';
import { renderMetrics } from './metrics.js';
import { registerRecordRoutes } from './records-routes.js';

export const API_PREFIX = '/client/v4';
export const ADMIN_PREFIX = '/admin';
export const BODY_LIMIT = 64 * 1024;

export interface BuildApiOptions {
  /** A pino logger (fastify's `loggerInstance`); omitted = silent. */
  logger?: import('fastify').FastifyBaseLogger;
}

export function buildApi(deps: SimApiDeps, options: BuildApiOptions = {}): FastifyInstance {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    // Errors raised before routing (a malformed percent-escape in the URL,
    // FST_ERR_BAD_URL) skip the error handler; without this they would leave
    // in fastify's own shape instead of the Cloudflare envelope.
    frameworkErrors: (error, request, reply) => void sendError(reply, toApiError(error, request)),
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
  });

  // Our own JSON parser: an empty body is "no body" (clients send
  // content-type on DELETE), and bad JSON becomes a Cloudflare 9207.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch (error) {
      done(cfErrors.invalidBody(`Malformed JSON: ${(error as Error).message}`), undefined);
    }
  });

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => sendError(reply, toApiError(error, request)));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      request.url.startsWith(ADMIN_PREFIX)
        ? cfErrors.notFound(`no admin route ${request.method} ${request.url.split('?')[0]}`)
        : cfErrors.noRoute(),
    ),
  );

  // Routes read each query parameter as one string; a repeated key (`?name=a&name=b`)
  // would arrive as an array, so it is refused here, once, for every route.
  app.addHook('preValidation', async (request) => {
    const repeated = Object.entries((request.query ?? {}) as Record<string, unknown>).find(([, value]) =>
      Array.isArray(value),
    );
    if (repeated) throw cfErrors.badRequest(`query parameter ${JSON.stringify(repeated[0])} is given more than once`);
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type('text/plain; version=0.0.4');
    return renderMetrics(
      deps.listPops(),
      deps.store.latest.version,
      deps.vantages.list(),
      deps.vantages.rerouteCount(),
    );
  });

  app.register(
    async (api) => {
      api.addHook('onRequest', async (request) => {
        if (!bearerMatches(request, deps.apiToken)) throw cfErrors.authentication();
        const fault = deps.apiFault.take();
        if (fault)
          throw fault.status === 429 ? cfErrors.throttled(fault.retryAfterS ?? 1) : cfErrors.injected(fault.status);
      });
      registerRecordRoutes(api, deps);
    },
    { prefix: API_PREFIX },
  );
  app.register(
    async (admin) => {
      admin.addHook('onRequest', async (request) => {
        if (!bearerMatches(request, deps.adminToken)) throw cfErrors.authentication();
      });
      registerAdminRoutes(admin, deps);
    },
    { prefix: ADMIN_PREFIX },
  );
  return app;
}

/** Constant-time comparison of SHA-256 digests, so neither content nor length leaks through timing. */
export function bearerMatches(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}

function toApiError(error: FastifyError | ApiError, request: FastifyRequest): ApiError {
  if (error instanceof ApiError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return cfErrors.bodyTooLarge(BODY_LIMIT);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return cfErrors.unsupportedMediaType(String(request.headers['content-type'] ?? ''));
    case 'FST_ERR_CTP_INVALID_JSON':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return cfErrors.invalidBody(error.message);
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return cfErrors.badRequest(error.message);
  request.log.error({ err: error }, 'unhandled error in sim API');
  return new ApiError(500, [{ code: 1000, message: 'Internal error in propwatch-sim (a bug; see its log)' }]);
}

function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  reply.code(error.status);
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.send(fail(error.errors));
}
