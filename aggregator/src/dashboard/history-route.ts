/**
 * GET /api/v1/history?window=30m[&by=probe|pop|all][&probe=][&pop=]: propagation over time, for the dashboard.
 *
 * - `rollup`: from the rollups (cells of 1 min, 10 min or 1 h), any window up to the retention (a 30 min,
 *   6 h, 24 h or 7 d picker), one series per probe, per POP or one overall, with a value for every step — count 0 and
 *   nulls where there was no data, so gaps stay gaps — and per step the bucket-interpolated p50/p90/p99, min,
 *   max, mean and the envelope of the measurement intervals [lowMs, highMs] for error bars. The step is the
 *   finest that keeps the read within limits.readRows stored cells and 10,000 points in all.
 * - `points`: for windows up to an hour, the worst POP of each round from the raw rounds (running rounds
 *   with their growing lower bound), newest 10,000 POP results at most; `pointsComplete` says whether they
 *   cover the whole window.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { IDENTIFIER_PATTERN } from '@propwatch/shared';
import { readTooLarge } from '../http/error-catalogue.js';
import '../plugins/decorators.js';
import { readRawWindow } from '../reads/raw-window.js';
import { MAX_RAW_RESULTS, RAW_RESULTS_PER_SLICE, RAW_WINDOW_MAX_MS, rollupLimits } from '../reads/read-limits.js';
import { readRollupHistory } from '../reads/rollup-history.js';
import { planHistory } from '../rollup/rollup-plan.js';
import { WindowParameter, parseWindow } from '../routes/read-window.js';
import { READ_SECURITY } from '../plugins/openapi-shape.js';
import { BAD_QUERY_EXAMPLE, HISTORY_EXAMPLE, READ_BUSY_EXAMPLE } from '../routes/response-examples.js';
import { ErrorResponse } from '../routes/response-schemas.js';
import { answer } from '../routes/schema-refs.js';
import { jsonList, schemaSerializer, sendJson, serializeInSlices } from '../reads/serialize-in-slices.js';
import { HistoryPoint, HistoryResponse, HistorySeries } from './history-schema.js';
import { buildWorstHistory } from './worst-history.js';

export const DEFAULT_HISTORY_WINDOW_MS = 30 * 60_000;
export const MAX_HISTORY_POINTS = 5_000;
/** Points serialized between two event-loop turns. */
const SERIALIZED_PER_SLICE = 500;

function splitOnce(text: string, marker: string): [string, string] {
  const at = text.indexOf(marker);
  if (at === -1) throw new Error(`history answer: "${marker}" not found in its head (a bug)`);
  return [text.slice(0, at), text.slice(at + marker.length)];
}

export const historyRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { status, storage, limits } = app.aggregatorConfig;
  app.get(
    '/api/v1/history',
    {
      onRequest: app.requireReadToken,
      schema: {
        operationId: 'getHistory',
        security: READ_SECURITY,
        summary: 'Propagation over time: per-round worst points (≤ 1 h) and per-step rollup series (dashboard)',
        querystring: Type.Object(
          {
            window: Type.Optional(WindowParameter('30m')),
            by: Type.Optional(
              Type.Union([Type.Literal('probe'), Type.Literal('pop'), Type.Literal('all')], {
                description: 'one rollup series per probe (default), per POP, or one for all',
              }),
            ),
            probe: Type.Optional(Type.String({ pattern: IDENTIFIER_PATTERN, description: 'only this probe' })),
            pop: Type.Optional(Type.String({ pattern: IDENTIFIER_PATTERN, description: 'only this POP' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: answer(HistoryResponse, 'worst points per round and rollup series per step', HISTORY_EXAMPLE),
          '4xx': answer(
            ErrorResponse,
            'a bad or too large window, by, probe or pop (400 PROPWATCH_BAD_QUERY, PROPWATCH_READ_TOO_LARGE); ' +
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
    async (request, reply) => {
      const serialize = {
        head: schemaSerializer(reply, HistoryResponse),
        point: schemaSerializer(reply, HistoryPoint),
        series: schemaSerializer(reply, HistorySeries),
      };
      const { probe, pop } = request.query;
      const by = request.query.by ?? 'probe';
      const windowMs = parseWindow(request.query.window, DEFAULT_HISTORY_WINDOW_MS, storage.retentionDays);
      const now = app.clock.now();
      const counts = {
        series: app.popRegistry.count({ probe, pop }),
        groups: app.popRegistry.groups(by, { probe, pop }),
      };
      const planned = planHistory(now, windowMs, counts, rollupLimits(limits.readRows));
      if (!planned.ok) throw readTooLarge(`query: ${planned.reason}`);
      const body = await app.readGate.run(async (turn) => {
        let points: ReturnType<typeof buildWorstHistory> = [];
        let pointsComplete = false;
        if (windowMs <= RAW_WINDOW_MAX_MS) {
          const raw = await readRawWindow(
            app.store,
            { from: now - windowMs, to: now },
            { maxResults: MAX_RAW_RESULTS, perSlice: RAW_RESULTS_PER_SLICE, turn },
          );
          await turn();
          const rounds = raw.rounds
            .filter((round) => probe === undefined || round.probe.id === probe)
            .map((round) => (pop === undefined ? round : { ...round, pops: round.pops.filter((p) => p.pop === pop) }));
          points = buildWorstHistory(rounds, {
            now,
            maxExtrapolationMs: status.maxExtrapolationMs,
            maxPoints: MAX_HISTORY_POINTS,
          });
          pointsComplete = raw.complete && points.length < MAX_HISTORY_POINTS;
        }
        const { series, ...rollup } = await readRollupHistory(app.store, planned.plan, { by, probe, pop }, turn);
        // The two long lists are serialized a slice at a time with the route's own schema; the rest at once.
        const head = serialize.head({
          windowMs,
          alarmAboveMs: status.alarmAboveMs,
          clearBelowMs: status.clearBelowMs,
          points: [],
          pointsComplete,
          rollup: { ...rollup, percentiles: 'bucket-interpolated', series: [] },
        });
        const pointParts = await serializeInSlices(points, serialize.point, { turn, perSlice: SERIALIZED_PER_SLICE });
        const seriesParts = await serializeInSlices(series, serialize.series, { turn, perSlice: 1 });
        // The head holds each list empty, once: split there and stream the lists in between.
        const [beforePoints, rest] = splitOnce(head, '"points":[]');
        const [beforeSeries, afterSeries] = splitOnce(rest, '"series":[]');
        return [
          beforePoints,
          '"points":',
          ...jsonList(pointParts),
          beforeSeries,
          '"series":',
          ...jsonList(seriesParts),
          afterSeries,
        ];
      });
      return sendJson(reply, body);
    },
  );
};
