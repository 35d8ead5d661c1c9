/** Examples of the dashboard's answers, shown in /docs; the OpenAPI linter checks each against its schema. */
import type { Static } from 'typebox';
import { STATUS_EXAMPLE } from '../routes/response-examples.js';
import type { AlarmHistoryResponse } from './alarm-history-schema.js';
import type { MatrixCellSchema, MatrixResponse } from './matrix-schema.js';

const STUCK_CELL: Static<typeof MatrixCellSchema> = {
  probe: 'aws-eu-west-1',
  pop: 'LHR',
  target: 'LHR',
  nsid: 'lhr1.ns.example.net',
  targets: 1,
  state: 'timeout',
  kind: 'censored',
  ms: 30_000,
  lowerMs: 30_000,
  upperMs: null,
  roundId: 'aws-eu-west-1-2025010112',
  serial: '2025010112',
  carried: true,
  since: '2025-01-01T12:29:27.000Z',
  severity: 'bad',
  breaching: true,
};

export const MATRIX_EXAMPLE: Static<typeof MatrixResponse> = {
  status: STATUS_EXAMPLE,
  alarmAboveMs: 30_000,
  clearBelowMs: 24_000,
  staleAfterMs: 180_000,
  rows: [{ pop: 'LHR', alarm: true, worst: STUCK_CELL, cells: [STUCK_CELL] }],
  probes: [
    {
      id: 'aws-eu-west-1',
      region: 'eu-west-1',
      presence: 'reporting',
      lastReportAt: '2025-01-01T12:30:05.000Z',
      round: { id: 'aws-eu-west-1-2025010113', state: 'running', timeouts: 0, pops: 14 },
    },
  ],
};

export const ALARM_HISTORY_EXAMPLE: Static<typeof AlarmHistoryResponse> = {
  windowMs: 604_800_000,
  from: '2024-12-25T12:30:09.000Z',
  truncated: false,
  periods: [
    {
      state: 'alarm',
      start: '2025-01-01T12:29:27.000Z',
      end: null,
      durationMs: 42_000,
      reason: 'LHR not serving serial 2025010112 after 42.0 s (probes aws-eu-west-1, gcp-us-east1)',
      endReason: null,
      pop: 'LHR',
      worstMs: 42_000,
      clipped: false,
    },
  ],
};
