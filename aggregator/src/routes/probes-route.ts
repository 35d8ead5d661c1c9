/** GET /api/v1/probes: configured and reporting probes, last seen, version, region, freshness, setup warnings. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import '../plugins/decorators.js';
import { checkProbeWait } from '../status/wait-warnings.js';
import { READ_SECURITY } from '../plugins/openapi-shape.js';
import { PROBES_EXAMPLE, UNAUTHORIZED_EXAMPLE } from './response-examples.js';
import { ErrorResponse, ProbesResponse } from './response-schemas.js';
import { answer } from './schema-refs.js';

export const probesRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { probes: configured, status } = app.aggregatorConfig;
  app.get(
    '/api/v1/probes',
    {
      onRequest: app.requireReadToken,
      schema: {
        operationId: 'listProbes',
        summary: 'Probes and their freshness',
        security: READ_SECURITY,
        response: {
          200: answer(ProbesResponse, 'configured and reporting probes, by id', PROBES_EXAMPLE),
          '4xx': answer(ErrorResponse, 'the read token is missing or wrong (401)', UNAUTHORIZED_EXAMPLE),
        },
      },
    },
    async () => {
      const now = app.clock.now();
      const records = new Map((await app.store.probes()).map((record) => [record.id, record]));
      const views = new Map(app.statusTracker.views().map((view) => [view.id, view]));
      const ids = [...new Set([...configured.map((p) => p.id), ...records.keys()])].sort();
      return {
        probes: ids.map((id) => {
          const record = records.get(id);
          const config = configured.find((p) => p.id === id);
          const lastSeen = views.get(id)?.lastReportAt ?? record?.lastSeenAt ?? null;
          return {
            id,
            configured: config !== undefined,
            region: record?.region ?? config?.region ?? null,
            version: record?.version ?? null,
            lastSeenAt: lastSeen === null ? null : new Date(lastSeen).toISOString(),
            fresh: lastSeen !== null && lastSeen >= now - status.staleAfterMs,
            lastRound: record ? { id: record.lastRoundId, state: record.lastRoundState } : null,
            maxWaitMs: record?.maxWaitMs ?? null,
            consecutiveWriteFailures: views.get(id)?.consecutiveWriteFailures ?? 0,
            warnings: [checkProbeWait(record?.maxWaitMs, status.alarmAboveMs)].filter((w) => w !== null),
          };
        }),
      };
    },
  );
};
