/** OpenAPI document at /docs/json (from the route schemas) and Swagger UI at /docs. */
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { PROPWATCH_VERSION } from '@propwatch/shared';

async function docsPlugin(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'propwatch aggregator',
        version: PROPWATCH_VERSION,
        description: 'Ingests probe round reports; serves propagation figures and the alarm status.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

export default fp(docsPlugin, { name: 'propwatch-docs', fastify: '5.x' });
