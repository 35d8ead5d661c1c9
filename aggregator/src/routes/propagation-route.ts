/** GET /api/v1/propagation?window=10m: percentiles overall, per POP and per probe, slowest pair, and the status's current worst case. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { summarizePropagation } from '../analysis/propagation-summary.js';
import { badQuery } from '../http/error-catalogue.js';
import '../plugins/decorators.js';
import { parseDuration } from './parse-duration.js';
import { ErrorResponse, PropagationResponse } from './response-schemas.js';

const MIN_WINDOW_MS = 1_000;

export const propagationRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { analysis, status, storage } = app.aggregatorConfig;
  const maxWindowMs = storage.retentionDays * 86_400_000;
  app.get(
    '/api/v1/propagation',
    {
      onRequest: app.requireReadToken,
      schema: {
        summary: 'Propagation percentiles over a window',
        querystring: Type.Object(
          {
            window: Type.Optional(
              Type.String({
                maxLength: 32,
                description: 'milliseconds, or 90s / 10m / 1h / 2d; default analysis.windowMs',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: PropagationResponse, '4xx': ErrorResponse },
      },
    },
    async (request) => {
      const raw = request.query.window;
      const windowMs = raw === undefined ? analysis.windowMs : parseDuration(raw);
      if (windowMs === null || windowMs < MIN_WINDOW_MS || windowMs > maxWindowMs) {
        throw badQuery(
          `query.window: expected a duration from 1s to the retention (${storage.retentionDays} d), e.g. 600000, 90s, 10m, 1h (got ${JSON.stringify(raw)})`,
        );
      }
      const now = app.clock.now();
      const rounds = await app.store.roundsSince(now - windowMs);
      // The worst case is the status's own (same evaluation), whatever the window: the three read routes must agree.
      const { observations } = app.statusTracker.evaluation;
      return summarizePropagation(rounds, {
        now,
        windowMs,
        maxExtrapolationMs: status.maxExtrapolationMs,
        current: observations,
      });
    },
  );
};
