/**
 * OpenAPI document at /docs/json (from the route schemas) and Swagger UI at /docs. Named schemas appear under
 * components/schemas by their `$id` (routes/api-schemas.ts); a union of string literals (a `state`) is shown as
 * one enum; the read token is a bearer security scheme, required by the read routes exactly when this
 * aggregator has `readToken` set. `redocly lint` checks the document in the tests (test/openapi-lint.test.ts).
 */
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { PROPWATCH_VERSION } from '@propwatch/shared';
import {
  type DeclaredResponses,
  READ_TOKEN_SCHEME,
  addResponseExamples,
  mergeLiteralUnions,
  openReadRoutes,
} from './openapi-shape.js';

async function docsPlugin(app: FastifyInstance): Promise<void> {
  const { publicUrl, readToken } = app.aggregatorConfig;
  // Routes are added after this plugin: their declared responses, for the examples (see addResponseExamples).
  const declared: DeclaredResponses = new Map();
  app.addHook('onRoute', (route) => {
    const response = (route.schema as { response?: Record<string, unknown> } | undefined)?.response;
    if (!response) return;
    for (const method of [route.method].flat()) declared.set(`${method} ${route.url}`, response);
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'propwatch aggregator',
        version: PROPWATCH_VERSION,
        description:
          'Ingests probe round reports; serves propagation figures and the alarm status. Errors are JSON with ' +
          'a message naming the field or header and a stable PROPWATCH_… code.',
        license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
      },
      servers: [{ url: publicUrl.replace(/\/+$/, ''), description: 'this aggregator (publicUrl)' }],
      components: {
        securitySchemes: {
          probeToken: {
            type: 'http',
            scheme: 'bearer',
            description: "a probe's own token (probes[].token): it may only report for itself",
          },
          [READ_TOKEN_SCHEME]: {
            type: 'http',
            scheme: 'bearer',
            description:
              'the read token (readToken) for /api/v1/* reads and /metrics' +
              (readToken === undefined ? '; this aggregator has none set, so reads are open' : ''),
          },
        },
      },
    },
    // Named schemas keep their names (the default numbers them def-0, def-1, …).
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    transformObject: (documentObject) => {
      if (!('openapiObject' in documentObject)) return documentObject.swaggerObject;
      const document = addResponseExamples(mergeLiteralUnions(documentObject.openapiObject), declared);
      return readToken === undefined ? openReadRoutes(document) : document;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

export default fp(docsPlugin, { name: 'propwatch-docs', fastify: '5.x' });
