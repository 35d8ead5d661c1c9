/**
 * GET /api/v1/pops: POPs seen in the analysis window, from the in-memory (probe, POP) registry (bounded by
 * expectedPops and limits.popsPerProbe), each with its targets and current worst figure from the status
 * evaluation and its count of finished results from the rollups; plus the expected POPs nobody saw.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Observation } from '../analysis/observations.js';
import { findWorst } from '../analysis/worst-case.js';
import '../plugins/decorators.js';
import { rollupLimits } from '../reads/read-limits.js';
import { planSummary } from '../rollup/rollup-plan.js';
import { READ_SECURITY } from '../plugins/openapi-shape.js';
import { POPS_EXAMPLE, READ_BUSY_EXAMPLE, UNAUTHORIZED_EXAMPLE } from './response-examples.js';
import { ErrorResponse, PopsResponse } from './response-schemas.js';
import { answer } from './schema-refs.js';

export const popsRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { analysis, limits, expectedPops } = app.aggregatorConfig;
  app.get(
    '/api/v1/pops',
    {
      onRequest: app.requireReadToken,
      schema: {
        operationId: 'listPops',
        summary: 'POPs seen in the analysis window',
        security: READ_SECURITY,
        response: {
          200: answer(
            PopsResponse,
            'POPs seen, with targets and current worst figure; expected POPs unseen',
            POPS_EXAMPLE,
          ),
          '4xx': answer(ErrorResponse, 'the read token is missing or wrong (401)', UNAUTHORIZED_EXAMPLE),
          503: answer(
            ErrorResponse,
            'too many long reads at once (PROPWATCH_READ_BUSY): retry after Retry-After',
            READ_BUSY_EXAMPLE,
          ),
        },
      },
    },
    async () => {
      const now = app.clock.now();
      const seen = app.popRegistry.popsSeenSince(now - analysis.windowMs);
      // The status evaluation's own figures (previous-round carry-over included), so `current` matches /api/v1/status.
      const byPop = new Map<string, Observation[]>();
      for (const observation of app.statusTracker.evaluation.observations) {
        const list = byPop.get(observation.pop) ?? [];
        list.push(observation);
        byPop.set(observation.pop, list);
      }
      const counts = await app.readGate.run(async (turn) => {
        const planned = planSummary(now, analysis.windowMs, app.popRegistry.count(), rollupLimits(limits.readRows));
        if (!planned.ok) return null;
        const byName = new Map<string, number>();
        for (const slice of planned.plan.slices) {
          await turn();
          const rows = await app.store.rollupCells({
            level: planned.plan.level,
            group: 'pop',
            origin: slice.from,
            stepMs: slice.to - slice.from,
            from: slice.from,
            to: slice.to,
          });
          for (const row of rows) byName.set(row.pop ?? '', (byName.get(row.pop ?? '') ?? 0) + row.cell.count);
        }
        return byName;
      });
      return {
        windowMs: analysis.windowMs,
        unseen: (expectedPops ?? []).filter((pop) => !seen.has(pop)),
        pops: [...seen.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([pop, lastSeenAt]) => {
            const current = byPop.get(pop) ?? [];
            return {
              pop,
              targets: [...new Set(current.map((o) => o.target))].sort(),
              lastSeenAt: new Date(lastSeenAt).toISOString(),
              observations: counts === null ? null : (counts.get(pop) ?? 0),
              current: findWorst(current),
            };
          }),
      };
    },
  );
};
