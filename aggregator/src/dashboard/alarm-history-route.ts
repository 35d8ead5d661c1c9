/**
 * The alarm history. Every status state change is stored in the transaction that decides it (transition-committer.ts:
 * decided once, whichever replica evaluated it), and
 * GET /api/v1/alarms?window=7d answers the periods of the window: state, start, end, duration, the reason it
 * began and the reason it ended. Bounded: at most MAX_ALARM_CHANGES changes per read (`truncated` says so), the
 * table itself capped and pruned with retention (state-change-log.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import '../plugins/decorators.js';
import { WindowParameter, parseWindow } from '../routes/read-window.js';
import { READ_SECURITY } from '../plugins/openapi-shape.js';
import { BAD_QUERY_EXAMPLE, READ_BUSY_EXAMPLE } from '../routes/response-examples.js';
import { ErrorResponse } from '../routes/response-schemas.js';
import { answer } from '../routes/schema-refs.js';
import { ALARM_HISTORY_EXAMPLE } from './dashboard-examples.js';
import { AlarmHistoryResponse } from './alarm-history-schema.js';
import { buildPeriods } from './alarm-periods.js';

export const DEFAULT_ALARM_WINDOW_MS = 7 * 86_400_000;
export const MAX_ALARM_CHANGES = 1_000;

const iso = (ms: number) => new Date(ms).toISOString();

export const alarmHistoryRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { storage } = app.aggregatorConfig;
  app.get(
    '/api/v1/alarms',
    {
      onRequest: app.requireReadToken,
      schema: {
        operationId: 'getAlarmHistory',
        security: READ_SECURITY,
        summary: 'Alarm history: the status states of the window with start, end, duration and reasons',
        querystring: Type.Object({ window: Type.Optional(WindowParameter('7d')) }, { additionalProperties: false }),
        response: {
          200: answer(AlarmHistoryResponse, 'the status periods of the window, newest first', ALARM_HISTORY_EXAMPLE),
          '4xx': answer(
            ErrorResponse,
            'a bad window (400 PROPWATCH_BAD_QUERY); the read token missing or wrong (401)',
            BAD_QUERY_EXAMPLE,
          ),
          503: answer(ErrorResponse, 'the store could not be read (retry later)', READ_BUSY_EXAMPLE),
        },
      },
    },
    async (request) => {
      const windowMs = parseWindow(request.query.window, DEFAULT_ALARM_WINDOW_MS, storage.retentionDays);
      const now = app.clock.now();
      const from = now - windowMs;
      const { changes, before } = await app.store.stateChanges(from, now, MAX_ALARM_CHANGES + 1);
      const truncated = changes.length > MAX_ALARM_CHANGES;
      const kept = changes.slice(0, MAX_ALARM_CHANGES);
      const periods = buildPeriods(kept, truncated ? null : before, { from, now });
      return {
        windowMs,
        from: iso(from),
        truncated,
        periods: periods.map((p) => ({ ...p, start: iso(p.start), end: p.end === null ? null : iso(p.end) })),
      };
    },
  );
};
