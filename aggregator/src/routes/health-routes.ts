/**
 * /healthz: the process answers. /readyz: storage takes a real write now — and, when a write failed since the
 * last success, a write large enough to need new space (a full disk still takes the usual one-row write into
 * WAL space SQLite already has, while reports fail). Both open, no token, so the reason names no path.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { RECOVERY_BALLAST_BYTES } from '../storage/write-health.js';
import '../plugins/decorators.js';

const Health = Type.Object({ status: Type.String(), reason: Type.Optional(Type.String()) });

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', { schema: { summary: 'Liveness', response: { 200: Health } } }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    { schema: { summary: 'Readiness: storage writes are durable', response: { 200: Health, 503: Health } } },
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
