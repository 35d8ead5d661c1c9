/**
 * /healthz: the process answers. /readyz: storage takes a real write now — and, when a write failed since the
 * last success, a write large enough to need new space (a full disk still takes the usual one-row write into
 * WAL space SQLite already has, while reports fail). Both open, no token, so the reason names no path.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { RECOVERY_BALLAST_BYTES } from '../storage/write-health.js';
import '../plugins/decorators.js';
import { HEALTHY_EXAMPLE, NOT_READY_EXAMPLE, READY_EXAMPLE } from './response-examples.js';
import { Health } from './response-schemas.js';
import { answer } from './schema-refs.js';

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'getLiveness',
        summary: 'Liveness',
        security: [],
        response: { 200: answer(Health, 'the process answers', HEALTHY_EXAMPLE) },
      },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        summary: 'Readiness: storage writes are durable',
        security: [],
        response: {
          200: answer(Health, 'storage took a real write just now', READY_EXAMPLE),
          503: answer(
            Health,
            'storage cannot be written: take this instance out of the load balancer',
            NOT_READY_EXAMPLE,
          ),
        },
      },
    },
    async (request, reply) => {
      const failing = app.writeHealth.failure !== null;
      try {
        await app.store.checkWritable(failing ? { ballastBytes: RECOVERY_BALLAST_BYTES } : {});
        return { status: 'ready' };
      } catch (error) {
        // The failure itself is logged once by the storage plugin when it starts; this is each check.
        request.log.debug({ reqId: request.id, err: error }, 'readiness check failed');
        const failure = app.writeHealth.failure;
        const reason = failure
          ? `storage writes fail (${failure.code} since ${new Date(failure.since).toISOString()}); see the aggregator log`
          : 'storage is not writable; see the aggregator log';
        return reply.code(503).send({ status: 'not ready', reason });
      }
    },
  );
};
