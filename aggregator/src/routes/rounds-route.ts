/**
 * GET /api/v1/rounds?probe=&limit=: recent rounds with their POP results, newest first. Bounded twice: at
 * most `limit` (≤ 500) rounds, and only as many as hold MAX_RAW_RESULTS POP results (`truncated` says when
 * that cut the list). The POP results are loaded and the answer serialized in slices through the read gate,
 * so a long list never holds the event loop.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { IDENTIFIER_PATTERN } from '@propwatch/shared';
import type { StoredRound } from '../storage/round-store.js';
import '../plugins/decorators.js';
import { MAX_RAW_RESULTS, RAW_RESULTS_PER_SLICE } from '../reads/read-limits.js';
import { jsonList, schemaSerializer, sendJson } from '../reads/serialize-in-slices.js';
import { READ_SECURITY } from '../plugins/openapi-shape.js';
import { READ_BUSY_EXAMPLE, ROUNDS_EXAMPLE, UNAUTHORIZED_EXAMPLE } from './response-examples.js';
import { ErrorResponse, RoundResponse, RoundsResponse } from './response-schemas.js';
import { answer } from './schema-refs.js';

export const MAX_ROUNDS_LIMIT = 500;

export function presentRound(round: StoredRound) {
  return {
    ...round,
    firstReceivedAt: new Date(round.firstReceivedAt).toISOString(),
    receivedAt: new Date(round.receivedAt).toISOString(),
  };
}

export const roundsRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/rounds',
    {
      onRequest: app.requireReadToken,
      schema: {
        operationId: 'listRounds',
        summary: 'Recent rounds with POP results',
        security: READ_SECURITY,
        querystring: Type.Object(
          {
            probe: Type.Optional(Type.String({ pattern: IDENTIFIER_PATTERN, description: 'only this probe' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ROUNDS_LIMIT, description: 'default 50' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: answer(RoundsResponse, 'rounds newest first, each with its POP results', ROUNDS_EXAMPLE),
          '4xx': answer(
            ErrorResponse,
            'a bad probe or limit (400 PROPWATCH_BAD_QUERY); the read token missing or wrong (401)',
            UNAUTHORIZED_EXAMPLE,
          ),
          503: answer(
            ErrorResponse,
            'too many long reads at once (PROPWATCH_READ_BUSY): retry after Retry-After',
            READ_BUSY_EXAMPLE,
          ),
        },
      },
    },
    async (request, reply) => {
      const serializeRound = schemaSerializer(reply, RoundResponse);
      const body = await app.readGate.run(async (turn) => {
        const heads = await app.store.latestRoundRefs({
          probe: request.query.probe,
          limit: request.query.limit ?? 50,
        });
        const parts: string[] = [];
        let results = 0;
        let next = 0;
        let full = false;
        let perSlice = 10; // rounds; then as many as held ~RAW_RESULTS_PER_SLICE POP results in the last slice
        while (next < heads.length && !full) {
          await turn();
          const slice = heads.slice(next, next + perSlice);
          const pops = await app.store.popsOfRounds(slice.map((head) => head.ref));
          let loaded = 0;
          for (const head of slice) {
            const held = pops.get(head.ref) ?? [];
            if (results + held.length > MAX_RAW_RESULTS) {
              full = true;
              break;
            }
            results += held.length;
            loaded += held.length;
            parts.push(serializeRound(presentRound({ ...head.round, pops: held })));
            next += 1;
          }
          perSlice = Math.max(1, Math.floor((RAW_RESULTS_PER_SLICE * slice.length) / Math.max(1, loaded)));
        }
        return { parts, truncated: next < heads.length };
      });
      return sendJson(reply, ['{"rounds":', ...jsonList(body.parts), `,"truncated":${body.truncated}}`]);
    },
  );
};
