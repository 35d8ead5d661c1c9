/** GET /api/v1/pops: POPs seen in the analysis window, with their current worst observation (as the status computes it). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { findWorst } from '../analysis/worst-case.js';
import '../plugins/decorators.js';
import { ErrorResponse, PopsResponse } from './response-schemas.js';

export const popsRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { analysis } = app.aggregatorConfig;
  app.get(
    '/api/v1/pops',
    {
      onRequest: app.requireReadToken,
      schema: { summary: 'POPs seen in the analysis window', response: { 200: PopsResponse, '4xx': ErrorResponse } },
    },
    async () => {
      const now = app.clock.now();
      const seen = await app.store.popStats(now - analysis.windowMs);
      // The status evaluation's own figures (previous-round carry-over included), so a POP's `current` matches /api/v1/status.
      const { observations } = app.statusTracker.evaluation;
      return {
        windowMs: analysis.windowMs,
        pops: seen.map((pop) => ({
          ...pop,
          lastSeenAt: new Date(pop.lastSeenAt).toISOString(),
          current: findWorst(observations.filter((o) => o.pop === pop.pop)),
        })),
      };
    },
  );
};
