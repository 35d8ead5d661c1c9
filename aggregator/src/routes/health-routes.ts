/** /healthz: the process answers. /readyz: the database takes a real (tiny) write. Both open, no token. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import '../plugins/decorators.js';

const Health = Type.Object({ status: Type.String(), reason: Type.Optional(Type.String()) });

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', { schema: { summary: 'Liveness', response: { 200: Health } } }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    { schema: { summary: 'Readiness: storage writable', response: { 200: Health, 503: Health } } },
    async (_request, reply) => {
      try {
        await app.store.checkWritable();
        return { status: 'ready' };
      } catch (error) {
        app.log.error({ err: error }, 'readiness check failed: storage not writable');
        return reply.code(503).send({ status: 'not ready', reason: 'storage is not writable; see the aggregator log' });
      }
    },
  );
};
