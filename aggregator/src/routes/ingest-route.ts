/**
 * POST /api/v1/rounds: authenticate the probe (onRequest, before the body is
 * read), rate-limit it, validate the body against the shared RoundReport
 * schema and its cross-field rules, refuse impersonation, upsert, then update metrics and status. The
 * 2xx is sent only after the upsert committed, so an acknowledged report is stored.
 */
import type { FastifyInstance } from 'fastify';
import { findCatchmentChanges } from '../catchments/catchment-changes.js';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { RoundReport, findInconsistencies, formatPath } from '@propwatch/shared';
import { badReport, forbidden, popRefused, roundConflict, storageUnavailable } from '../http/error-catalogue.js';
import type { IngestResult } from '../metrics/aggregator-metrics.js';
import '../plugins/decorators.js';
import { RoundConflictError } from '../storage/round-store.js';
import { BAD_REPORT_EXAMPLE, INGEST_ACK_EXAMPLE, STORAGE_UNAVAILABLE_EXAMPLE } from './response-examples.js';
import { ErrorResponse, IngestAck } from './response-schemas.js';
import { answer } from './schema-refs.js';
import { checkStartedAt } from './started-at-check.js';

const RESULT_BY_STATUS: Record<number, IngestResult> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  409: 'invalid',
  413: 'too_large',
  415: 'invalid',
  429: 'rate_limited',
};

/** SQLite names its failure in `code` (SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR_…); other backends may not. */
function storageErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'storage error';
}

export const ingestRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { metrics, statusTracker, store, clock, waitWarnings } = app as FastifyInstance;
  const { ingest, storage } = app.aggregatorConfig;
  const startedAtBounds = {
    maxClockSkewMs: ingest.maxClockSkewMs,
    retentionMs: storage.retentionDays * 86_400_000,
  };
  app.post(
    '/api/v1/rounds',
    {
      bodyLimit: app.aggregatorConfig.ingest.bodyLimitBytes,
      onRequest: app.authenticateProbe,
      onResponse: async (_request, reply) => {
        if (reply.statusCode >= 400)
          metrics.ingestReports.inc({
            result: RESULT_BY_STATUS[reply.statusCode] ?? (reply.statusCode >= 500 ? 'error' : 'invalid'),
          });
      },
      schema: {
        operationId: 'ingestRound',
        summary: 'Ingest a round report (progress or final); idempotent by (probe id, round id)',
        security: [{ probeToken: [] }],
        body: RoundReport,
        response: {
          200: answer(IngestAck, 'stored (committed before this answer) or already stored', INGEST_ACK_EXAMPLE),
          '4xx': answer(
            ErrorResponse,
            'an invalid or inconsistent report (400), a missing or unknown probe token (401), a report for another ' +
              'probe (403), a round id reused for another round (409), too large (413), not JSON (415), over the ' +
              "probe's rate (429, with Retry-After); nothing was stored",
            BAD_REPORT_EXAMPLE,
          ),
          503: answer(
            ErrorResponse,
            'storage refused the write (PROPWATCH_STORAGE_UNAVAILABLE): nothing was stored, retry (the probe spools)',
            STORAGE_UNAVAILABLE_EXAMPLE,
          ),
        },
      },
    },
    async (request) => {
      const started = performance.now();
      const report = request.body;
      if (report.probe.id !== request.probeId) {
        throw forbidden(
          `body.probe.id is "${report.probe.id}" but the token belongs to probe "${request.probeId}"; a probe may only report for itself`,
        );
      }
      // Rules between fields (bounds, duplicates, leap seconds), shared with the probe, which checks them before spooling.
      const inconsistencies = findInconsistencies(report);
      if (inconsistencies.length > 0) {
        throw badReport(
          inconsistencies.map(({ pointer, message }) => `${formatPath('body', pointer)}: ${message}`).join('; '),
        );
      }
      const receivedAt = clock.now();
      const skew = checkStartedAt(report.round.startedAt, receivedAt, startedAtBounds);
      if (skew) throw skew;
      // Bounded cardinality: POPs outside expectedPops, or past the probe's distinct-POP cap, are refused whole.
      const admission = app.popRegistry.admit(report.probe.id, report.round.pops, receivedAt);
      if (!admission.ok) throw popRefused(admission.code, admission.message);
      let result;
      try {
        result = await store.upsertRound(report, receivedAt);
      } catch (error) {
        if (error instanceof RoundConflictError) {
          throw roundConflict(
            `body.round.${error.field}: round "${report.round.id}" is stored with ${error.field} ${error.stored}; ` +
              `a later report of the same round cannot change it (got ${error.received}); nothing was stored`,
          );
        }
        // Disk full, read-only file, I/O error: nothing was stored. A 503 tells
        // the probe to keep the report spooled and retry; a 500 would blame it.
        request.log.error(
          { reqId: request.id, err: error, probe: report.probe.id, round: report.round.id },
          'storing the report failed',
        );
        throw storageUnavailable(
          `storage refused the write (${storageErrorCode(error)}); the report was not stored, retry later; see the aggregator log and /readyz`,
        );
      }
      metrics.recordUpsert(result);
      const prior = statusTracker.viewOf(report.probe.id)?.latestMeasured ?? null;
      // The wait of the newest round is the one in force (a replayed round may predate a config change).
      if (statusTracker.record(result, receivedAt)) {
        waitWarnings.observe(report.probe.id, report.round.maxWaitMs);
        // Only the newest round moves the catchment: a replayed older round would flip it back and forth.
        if (result.current.state !== 'write_failed') {
          const changes = findCatchmentChanges(prior, result.current, receivedAt);
          // The round is committed: a failed event write is logged (and shows in /readyz), not refused.
          if (changes.length > 0)
            await store.addCatchmentChanges(changes).catch((error: unknown) => {
              request.log.warn({ err: error, changes: changes.length }, 'catchment changes not stored');
            });
        }
      }
      metrics.ingestReports.inc({ result: result.outcome });
      metrics.ingestDuration.observe((performance.now() - started) / 1000);
      return { outcome: result.outcome, probe: report.probe.id, round: report.round.id, state: result.current.state };
    },
  );
};
