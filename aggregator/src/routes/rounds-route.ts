/** GET /api/v1/rounds?probe=&limit=: recent rounds with their POP results, newest first. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { IDENTIFIER_PATTERN } from '@propwatch/shared';
import type { StoredRound } from '../storage/round-store.js';
import '../plugins/decorators.js';
import { ErrorResponse, RoundsResponse } from './response-schemas.js';

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
        summary: 'Recent rounds with POP results',
        querystring: Type.Object(
          {
            probe: Type.Optional(Type.String({ pattern: IDENTIFIER_PATTERN, description: 'only this probe' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ROUNDS_LIMIT, description: 'default 50' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: RoundsResponse, '4xx': ErrorResponse },
      },
    },
    async (request) => {
      const rounds = await app.store.latestRounds({ probe: request.query.probe, limit: request.query.limit ?? 50 });
      return { rounds: rounds.map(presentRound) };
    },
  );
};
