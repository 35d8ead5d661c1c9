/**
 * One error shape for every 4xx/5xx: `{statusCode, error, message, code}`.
 * Fastify's own client errors (bad JSON, body too large, wrong content type)
 * get messages that say what to fix; anything unexpected is a logged 500
 * without internals in the body.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './error-catalogue.js';

const FRIENDLY: Record<string, (error: FastifyError) => string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: (error) => `body is not valid JSON: ${error.message}`,
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'body is empty; send a JSON document',
  FST_ERR_CTP_BODY_TOO_LARGE: () => 'body is larger than the configured limit (ingest.bodyLimitBytes)',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (error) => `${error.message}; send Content-Type: application/json`,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => 'Content-Length does not match the body',
};

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code?: string;
}

export function errorBody(statusCode: number, message: string, code?: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...(code ? { code } : {}) };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof ApiError) {
      void reply
        .code(error.statusCode)
        .headers(error.headers)
        .send(errorBody(error.statusCode, error.message, error.code));
      return;
    }
    const statusCode = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (statusCode >= 400 && statusCode < 500) {
      const message = error.code && FRIENDLY[error.code] ? FRIENDLY[error.code]!(error) : error.message;
      request.log.info({ reqId: request.id, code: error.code, statusCode }, message);
      void reply.code(statusCode).send(errorBody(statusCode, message, error.code));
      return;
    }
    request.log.error({ reqId: request.id, err: error }, 'request failed');
    void reply.code(statusCode).send(errorBody(statusCode, 'internal error; see the aggregator log', error.code));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send(errorBody(404, `no route ${request.method} ${request.url.split('?')[0]}; see /docs/json`));
  });
}
