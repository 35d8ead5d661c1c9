/** GET /api/v1/history?window=30m: worst case per round over a window, plus the thresholds, for the chart. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { badQuery } from '../http/error-catalogue.js';
import '../plugins/decorators.js';
import { parseDuration } from '../routes/parse-duration.js';
import { ErrorResponse } from '../routes/response-schemas.js';
import { buildWorstHistory } from './worst-history.js';

export const DEFAULT_HISTORY_WINDOW_MS = 30 * 60_000;
/** A day of rounds is the most a live chart needs; longer views belong to Prometheus/Grafana. */
export const MAX_HISTORY_WINDOW_MS = 86_400_000;
export const MAX_HISTORY_POINTS = 5_000;

const HistoryResponse = Type.Object({
  windowMs: Type.Number(),
  alarmAboveMs: Type.Number(),
  clearBelowMs: Type.Number(),
  points: Type.Array(
    Type.Object({
      at: Type.Number({ description: 'aggregator time of the round’s first report, ms since epoch' }),
      probe: Type.String(),
      round: Type.String(),
      roundState: Type.String(),
      pop: Type.String({ description: 'slowest POP of the round' }),
      worstMs: Type.Number(),
      kind: Type.String({ description: 'measured | lower-bound (still pending) | censored (timeout)' }),
    }),
  ),
});

export const historyRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { status, storage } = app.aggregatorConfig;
  const maxWindowMs = Math.min(MAX_HISTORY_WINDOW_MS, storage.retentionDays * 86_400_000);
  app.get(
    '/api/v1/history',
    {
      onRequest: app.requireReadToken,
      schema: {
        summary: 'Worst-case propagation per round over a window (dashboard chart)',
        querystring: Type.Object(
          {
            window: Type.Optional(
              Type.String({
                maxLength: 32,
                description: 'milliseconds, or 90s / 30m / 6h; default 30m, at most 1 day',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: HistoryResponse, '4xx': ErrorResponse },
      },
    },
    async (request) => {
      const raw = request.query.window;
      const windowMs = raw === undefined ? DEFAULT_HISTORY_WINDOW_MS : parseDuration(raw);
      if (windowMs === null || windowMs < 1_000 || windowMs > maxWindowMs) {
        throw badQuery(
          `query.window: expected a duration from 1s to ${maxWindowMs / 3_600_000} h, e.g. 90s, 30m, 6h (got ${JSON.stringify(raw)})`,
        );
      }
      const now = app.clock.now();
      const rounds = await app.store.roundsSince(now - windowMs);
      const points = buildWorstHistory(rounds, {
        now,
        maxExtrapolationMs: status.maxExtrapolationMs,
        maxPoints: MAX_HISTORY_POINTS,
      });
      return { windowMs, alarmAboveMs: status.alarmAboveMs, clearBelowMs: status.clearBelowMs, points };
    },
  );
};
