/** GET /api/v1/status: the in-memory status, serialized by its schema (no storage access). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Status } from '@propwatch/shared';
import '../plugins/decorators.js';
import { ErrorResponse } from './response-schemas.js';

export const statusRoute: FastifyPluginAsyncTypebox = async (app) => {
  const tracker = app.statusTracker;
  app.get(
    '/api/v1/status',
    {
      onRequest: app.requireReadToken,
      schema: {
        summary: 'Current alarm status (what the alarm-pi polls)',
        response: { 200: Status, '4xx': ErrorResponse },
      },
    },
    async () => tracker.status,
  );
};
