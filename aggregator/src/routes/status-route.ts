/**
 * GET /api/v1/status: the in-memory status, serialized by its schema (no storage access). The body is serialized
 * once per evaluation: the tracker hands out the same Status object until it evaluates again (a report, the timer),
 * so requests in between (a fleet of beacons polling, the dashboard) send the same string.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Status } from '@propwatch/shared';
import type { Status as StatusValue } from '@propwatch/shared';
import '../plugins/decorators.js';
import { READ_SECURITY } from '../plugins/openapi-shape.js';
import { STATUS_EXAMPLE, UNAUTHORIZED_EXAMPLE } from './response-examples.js';
import { ErrorResponse } from './response-schemas.js';
import { answer } from './schema-refs.js';

export const statusRoute: FastifyPluginAsyncTypebox = async (app) => {
  const tracker = app.statusTracker;
  let serialized: { status: StatusValue; body: string } | null = null;
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
    async (_request, reply) => {
      const status = tracker.status;
      let body = serialized?.status === status ? serialized.body : null;
      if (body === null) {
        // The route's own 200 serializer: the body is byte for byte what fastify would send for `status`.
        // fastify types it loosely (string | Buffer); fast-json-stringify returns a string.
        body = reply.serialize(status) as string;
        serialized = { status, body };
      }
      // A string with a JSON content type is sent as it is; the type provider only knows the schema's type.
      return reply.type('application/json; charset=utf-8').send(body as unknown as StatusValue);
    },
  );
};
