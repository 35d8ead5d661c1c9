/** GET /api/v1/pops: POPs seen in the analysis window, with their current worst observation. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { observeRound } from '../analysis/observations.js';
import { findWorst } from '../analysis/worst-case.js';
import '../plugins/decorators.js';
import { ErrorResponse, PopsResponse } from './response-schemas.js';

export const popsRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { analysis, status } = app.aggregatorConfig;
  app.get(
    '/api/v1/pops',
    { onRequest: app.requireReadToken, schema: { summary: 'POPs seen in the analysis window', response: { 200: PopsResponse, '4xx': ErrorResponse } } },
    async () => {
      const now = app.clock.now();
      const seen = await app.store.popStats(now - analysis.windowMs);
      const current = app.statusTracker
        .views()
        .flatMap((view) => (view.latestMeasured && view.latestMeasured.receivedAt >= now - analysis.windowMs ? observeRound(view.latestMeasured, now, status.staleAfterMs) : []));
      return {
        windowMs: analysis.windowMs,
        pops: seen.map((pop) => ({
          ...pop,
          lastSeenAt: new Date(pop.lastSeenAt).toISOString(),
          current: findWorst(current.filter((o) => o.pop === pop.pop)),
        })),
      };
    },
  );
};
