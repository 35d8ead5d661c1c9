/**
 * GET /api/v1/status/stream: the status as Server-Sent Events (status-stream.ts). Auth and refusals (401, 503)
 * are ordinary JSON answers; once admitted, the response is taken over from fastify (hijack) and written
 * directly, so no serializer, compression or hook buffers a frame.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import '../plugins/decorators.js';
import { streamFull } from '../http/error-catalogue.js';
import { READ_SECURITY } from '../plugins/openapi-shape.js';
import { ErrorResponse } from '../routes/response-schemas.js';
import { STREAM_FULL_EXAMPLE, UNAUTHORIZED_EXAMPLE } from '../routes/response-examples.js';
import { answer } from '../routes/schema-refs.js';

const STREAM_EXAMPLE =
  'retry: 1000\n\n' +
  'id: Xq3v_9Lp-1\nevent: status\ndata: {"state":"ok","since":"2026-01-01T00:00:00.000Z","worstMs":850,...}\n\n' +
  ': hb 1767225615000\n\n';

export const statusStreamRoute: FastifyPluginAsyncTypebox = async (app) => {
  const stream = app.statusStream;
  const limit = app.aggregatorConfig.limits.sseSubscribers;
  app.get(
    '/api/v1/status/stream',
    {
      onRequest: app.requireReadToken,
      schema: {
        operationId: 'streamStatus',
        summary: 'Status changes pushed as Server-Sent Events (what the alarm client and the dashboard subscribe to)',
        description:
          'First a `retry:` line, then at once the current status as an event, then one event per status change ' +
          '(changes within 50 ms are coalesced, the latest body sent), and a `: hb <ms since epoch>` comment every ' +
          'http.sseHeartbeatMs. Each event is `id: <bootId>-<seq>`, `event: status`, `data:` the exact body of ' +
          'GET /api/v1/status. Ids grow within one aggregator process; another process (restart, replica) has ' +
          'another bootId. Last-Event-ID is accepted and the current status is still sent first.',
        security: READ_SECURITY,
        response: {
          200: {
            description: 'the event stream (text/event-stream; never cached, never buffered by proxies)',
            content: { 'text/event-stream': { schema: { type: 'string' }, example: STREAM_EXAMPLE } },
          },
          '4xx': answer(ErrorResponse, 'the read token is missing or wrong (401)', UNAUTHORIZED_EXAMPLE),
          503: answer(
            ErrorResponse,
            'limits.sseSubscribers streams are open (PROPWATCH_STREAM_FULL): retry after Retry-After, or poll',
            STREAM_FULL_EXAMPLE,
          ),
        },
      },
    },
    async (_request, reply) => {
      if (!stream.admits()) throw streamFull(limit);
      void reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
        // A stream ends only when the aggregator closes or drops it; then the socket goes too, instead of idling
        // as a keep-alive connection that would hold up the server's close.
        connection: 'close',
      });
      response.once('close', () => stream.unsubscribe(response));
      // Reports that arrived this event-loop turn are evaluated first (the getter does), so the first event is
      // the newest status, not the one before them.
      void app.statusTracker.status;
      if (!stream.subscribe(response)) response.destroy();
    },
  );
};
