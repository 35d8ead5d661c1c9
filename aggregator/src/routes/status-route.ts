/** GET /api/v1/status: the in-memory status, serialized by its schema (no storage access). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Status } from '@propwatch/shared';
import '../plugins/decorators.js';
import { READ_SECURITY } from '../plugins/openapi-shape.js';
import { STATUS_EXAMPLE, UNAUTHORIZED_EXAMPLE } from './response-examples.js';
import { ErrorResponse } from './response-schemas.js';
import { answer } from './schema-refs.js';

export const statusRoute: FastifyPluginAsyncTypebox = async (app) => {
  const tracker = app.statusTracker;
  app.get(
    '/api/v1/status',
    {
      onRequest: app.requireReadToken,
      schema: {
        operationId: 'getStatus',
        summary: 'Current alarm status (what the alarm-pi polls)',
        security: READ_SECURITY,
        response: {
          200: answer(Status, 'the alarm state, since when, the worst figure and why', STATUS_EXAMPLE),
          '4xx': answer(ErrorResponse, 'the read token is missing or wrong (401)', UNAUTHORIZED_EXAMPLE),
        },
      },
    },
    async () => tracker.status,
  );
};
