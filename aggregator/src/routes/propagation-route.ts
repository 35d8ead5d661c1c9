/**
 * GET /api/v1/propagation?window=10m: percentiles overall, per POP and per probe, the slowest (probe, POP)
 * result, and the status's current worst case. Windows up to an hour come from the raw rounds (exact
 * nearest-rank percentiles, running rounds' growing bounds included) while they hold at most MAX_RAW_RESULTS
 * POP results; longer or busier windows from the rollups (cells of 1 min, 10 min or 1 h; bucket-interpolated
 * percentiles over finished results). Either way the read runs in slices through the read gate.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { summarizePropagationInSteps } from '../analysis/propagation-summary.js';
import { findWorst } from '../analysis/worst-case.js';
import { readTooLarge } from '../http/error-catalogue.js';
import '../plugins/decorators.js';
import { readRawWindow } from '../reads/raw-window.js';
import { MAX_RAW_RESULTS, RAW_RESULTS_PER_SLICE, RAW_WINDOW_MAX_MS, rollupLimits } from '../reads/read-limits.js';
import { summarizeRollups } from '../reads/rollup-summary.js';
import { LEVEL_MS, planSummary } from '../rollup/rollup-plan.js';
import { WindowParameter, parseWindow } from './read-window.js';
import { READ_SECURITY } from '../plugins/openapi-shape.js';
import { BAD_QUERY_EXAMPLE, PROPAGATION_EXAMPLE, READ_BUSY_EXAMPLE } from './response-examples.js';
import { ErrorResponse, PropagationResponse } from './response-schemas.js';
import { answer } from './schema-refs.js';

export const propagationRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { analysis, status, storage, limits } = app.aggregatorConfig;
  app.get(
    '/api/v1/propagation',
    {
      onRequest: app.requireReadToken,
      schema: {
        operationId: 'getPropagation',
        summary: 'Propagation percentiles over a window',
        security: READ_SECURITY,
        querystring: Type.Object(
          { window: Type.Optional(WindowParameter('analysis.windowMs')) },
          { additionalProperties: false },
        ),
        response: {
          200: answer(PropagationResponse, 'percentiles overall, per POP and per probe', PROPAGATION_EXAMPLE),
          '4xx': answer(
            ErrorResponse,
            'a bad or too large window (400 PROPWATCH_BAD_QUERY, PROPWATCH_READ_TOO_LARGE); ' +
              'the read token missing or wrong (401)',
            BAD_QUERY_EXAMPLE,
          ),
          503: answer(
            ErrorResponse,
            'too many long reads at once (PROPWATCH_READ_BUSY): retry after Retry-After',
            READ_BUSY_EXAMPLE,
          ),
        },
      },
    },
    async (request) => {
      const windowMs = parseWindow(request.query.window, analysis.windowMs, storage.retentionDays);
      const now = app.clock.now();
      return app.readGate.run(async (turn) => {
        // The worst case is the status's own (same evaluation), whatever the window: the read routes agree.
        const current = app.statusTracker.evaluation.observations;
        if (windowMs <= RAW_WINDOW_MAX_MS) {
          const raw = await readRawWindow(
            app.store,
            { from: now - windowMs, to: now },
            { maxResults: MAX_RAW_RESULTS, perSlice: RAW_RESULTS_PER_SLICE, turn },
          );
          if (raw.complete) {
            const summary = await summarizePropagationInSteps(
              raw.rounds,
              { now, windowMs, maxExtrapolationMs: status.maxExtrapolationMs, current },
              turn,
            );
            return {
              ...summary,
              source: 'raw',
              percentiles: 'nearest-rank',
              resolutionMs: null,
              from: now - windowMs,
              to: now,
            };
          }
        }
        const planned = planSummary(now, windowMs, app.popRegistry.count(), rollupLimits(limits.readRows));
        if (!planned.ok) throw readTooLarge(`query.window: ${planned.reason}`);
        const { plan } = planned;
        const summary = await summarizeRollups(app.store, plan, {
          now,
          maxExtrapolationMs: status.maxExtrapolationMs,
          turn,
        });
        return {
          windowMs,
          ...summary,
          worstCase: findWorst(current),
          source: 'rollup',
          percentiles: 'bucket-interpolated',
          resolutionMs: LEVEL_MS[plan.level],
          from: plan.from,
          to: plan.to,
        };
      });
    },
  );
};
