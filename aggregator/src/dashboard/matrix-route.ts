/**
 * GET /api/v1/matrix: the status and, from the very same evaluation, the per-(probe, POP) figures it was
 * computed from (previous-round carry-over included), POPs worst first, with each probe's presence. The
 * dashboard draws its banner and its POP × probe table from this one answer, so the two cannot disagree.
 * In memory but for the probe records (one small table); bounded by the POP registry.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import '../plugins/decorators.js';
import { READ_SECURITY } from '../plugins/openapi-shape.js';
import { STORAGE_UNAVAILABLE_EXAMPLE, UNAUTHORIZED_EXAMPLE } from '../routes/response-examples.js';
import { ErrorResponse } from '../routes/response-schemas.js';
import { answer } from '../routes/schema-refs.js';
import { MATRIX_EXAMPLE } from './dashboard-examples.js';
import { buildMatrix } from './current-matrix.js';
import { MatrixResponse } from './matrix-schema.js';
import { StuckSince } from './stuck-since.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const matrixRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { status: settings } = app.aggregatorConfig;
  const stuck = new StuckSince();
  app.get(
    '/api/v1/matrix',
    {
      onRequest: app.requireReadToken,
      schema: {
        operationId: 'getMatrix',
        security: READ_SECURITY,
        summary: 'Status and the POP × probe figures it was computed from (dashboard table)',
        response: {
          200: answer(MatrixResponse, 'the status and the POP × probe figures it was computed from', MATRIX_EXAMPLE),
          '4xx': answer(ErrorResponse, 'the read token missing or wrong (401)', UNAUTHORIZED_EXAMPLE),
          503: answer(ErrorResponse, 'the store could not be read (retry later)', STORAGE_UNAVAILABLE_EXAMPLE),
        },
      },
    },
    async () => {
      const records = await app.store.probes();
      // Read after the await: the evaluation and the views must be the same moment's.
      const evaluation = app.statusTracker.evaluation;
      const noted = new Set<string>();
      const { rows, probes } = buildMatrix({
        evaluation,
        views: app.statusTracker.views(),
        records: records.map((r) => ({ id: r.id, region: r.region, lastSeenAt: r.lastSeenAt })),
        settings,
        now: app.clock.now(),
        sinceOf: (cell, seed) => {
          noted.add(`${cell.probe}\u0000${cell.pop}`);
          return stuck.note(cell.probe, cell.pop, seed);
        },
      });
      stuck.keepOnly(noted);
      const cell = <T extends { since: number | null }>(c: T) => ({ ...c, since: iso(c.since) });
      return {
        status: evaluation.status,
        alarmAboveMs: settings.alarmAboveMs,
        clearBelowMs: settings.clearBelowMs,
        staleAfterMs: settings.staleAfterMs,
        rows: rows.map((row) => ({ ...row, worst: cell(row.worst), cells: row.cells.map(cell) })),
        probes: probes.map((p) => ({ ...p, lastReportAt: iso(p.lastReportAt) })),
      };
    },
  );
};
