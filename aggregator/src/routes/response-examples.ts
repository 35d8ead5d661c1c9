/**
 * One example answer per named response schema, for /docs: what a reader of the API sees first. The OpenAPI
 * linter (test/openapi-lint.test.ts) checks each against its schema, so they cannot drift from the API.
 */
import type { Static } from 'typebox';
import type { Status } from '@propwatch/shared';
import type { HistoryResponse } from '../dashboard/history-schema.js';
import type {
  ErrorResponse,
  Health,
  IngestAck,
  ObservationSchema,
  PopsResponse,
  ProbesResponse,
  PropagationResponse,
  RoundsResponse,
} from './response-schemas.js';

export const STATUS_EXAMPLE: Status = {
  state: 'alarm',
  since: '2025-01-01T12:29:27.000Z',
  worstMs: 42_000,
  thresholdMs: 30_000,
  worst: { probe: 'aws-eu-west-1', pop: 'LHR' },
  probes: { fresh: 3, expected: 3 },
  reason: 'LHR not serving serial 2025010112 after 42.0 s (probes aws-eu-west-1, gcp-us-east1)',
  updatedAt: '2025-01-01T12:30:09.000Z',
};

export const UNAUTHORIZED_EXAMPLE: Static<typeof ErrorResponse> = {
  statusCode: 401,
  error: 'Unauthorized',
  message: 'missing bearer token: this aggregator requires the read token (readToken)',
  code: 'PROPWATCH_UNAUTHORIZED',
};

export const BAD_QUERY_EXAMPLE: Static<typeof ErrorResponse> = {
  statusCode: 400,
  error: 'Bad Request',
  message:
    'query.window: expected a duration from 1s to the retention (30 d), e.g. 600000, 90s, 10m, 6h, 7d (got "1y")',
  code: 'PROPWATCH_BAD_QUERY',
};

export const BAD_REPORT_EXAMPLE: Static<typeof ErrorResponse> = {
  statusCode: 400,
  error: 'Bad Request',
  message: 'body.round.pops.0.upperMs: must be at least lowerMs (1200), got 900',
  code: 'PROPWATCH_BAD_REPORT',
};

export const STREAM_FULL_EXAMPLE: Static<typeof ErrorResponse> = {
  statusCode: 503,
  error: 'Service Unavailable',
  message: '100 status streams are open (limits.sseSubscribers); retry later, or poll GET /api/v1/status meanwhile',
  code: 'PROPWATCH_STREAM_FULL',
};

export const READ_BUSY_EXAMPLE: Static<typeof ErrorResponse> = {
  statusCode: 503,
  error: 'Service Unavailable',
  message: 'too many long reads in progress; retry in a second (short reads such as /api/v1/status are not affected)',
  code: 'PROPWATCH_READ_BUSY',
};

export const STORAGE_UNAVAILABLE_EXAMPLE: Static<typeof ErrorResponse> = {
  statusCode: 503,
  error: 'Service Unavailable',
  message: 'storage refused the write (SQLITE_FULL); the report was not stored, retry later',
  code: 'PROPWATCH_STORAGE_UNAVAILABLE',
};

export const INGEST_ACK_EXAMPLE: Static<typeof IngestAck> = {
  outcome: 'inserted',
  probe: 'aws-eu-west-1',
  round: 'aws-eu-west-1-2025010112',
  state: 'complete',
};

const OBSERVATION: Static<typeof ObservationSchema> = {
  probe: 'aws-eu-west-1',
  pop: 'LHR',
  target: '198.51.100.10:53',
  roundId: 'aws-eu-west-1-2025010112',
  serial: '2025010112',
  state: 'timeout',
  kind: 'censored',
  ms: 42_000,
  lowerMs: 42_000,
};

const PERCENTILES = { count: 42, p50: 1_000, p90: 2_100, p99: 42_000, max: 42_000, timeouts: 1, pending: 0 };

export const PROPAGATION_EXAMPLE: Static<typeof PropagationResponse> = {
  windowMs: 600_000,
  source: 'raw',
  percentiles: 'nearest-rank',
  resolutionMs: null,
  from: 1_735_734_009_000,
  to: 1_735_734_609_000,
  rounds: 14,
  overall: PERCENTILES,
  perPop: [{ key: 'LHR', ...PERCENTILES }],
  perProbe: [{ key: 'aws-eu-west-1', ...PERCENTILES }],
  slowest: OBSERVATION,
  worstCase: OBSERVATION,
};

export const ROUNDS_EXAMPLE: Static<typeof RoundsResponse> = {
  rounds: [
    {
      probe: { id: 'aws-eu-west-1', region: 'aws-eu-west-1', version: '0.1.0' },
      id: 'aws-eu-west-1-2025010112',
      zone: 'example.com',
      record: 'aws-eu-west-1._propwatch.example.com',
      serial: '2025010112',
      startedAt: '2025-01-01T12:29:25.000Z',
      state: 'complete',
      elapsedMs: 2_000,
      maxWaitMs: 120_000,
      write: { submitToAckMs: 120 },
      pops: [
        {
          pop: 'LHR',
          target: '198.51.100.10:53',
          state: 'propagated',
          lowerMs: 900,
          upperMs: 1_100,
          estimateMs: 1_000,
          queries: 3,
          failures: 0,
        },
      ],
      firstReceivedAt: '2025-01-01T12:29:26.000Z',
      receivedAt: '2025-01-01T12:29:28.000Z',
    },
  ],
  truncated: false,
};

export const POPS_EXAMPLE: Static<typeof PopsResponse> = {
  windowMs: 600_000,
  unseen: ['SYD'],
  pops: [
    {
      pop: 'LHR',
      targets: ['198.51.100.10:53'],
      lastSeenAt: '2025-01-01T12:30:08.000Z',
      observations: 14,
      current: OBSERVATION,
    },
  ],
};

export const PROBES_EXAMPLE: Static<typeof ProbesResponse> = {
  probes: [
    {
      id: 'aws-eu-west-1',
      configured: true,
      region: 'aws-eu-west-1',
      version: '0.1.0',
      lastSeenAt: '2025-01-01T12:30:08.000Z',
      fresh: true,
      lastRound: { id: 'aws-eu-west-1-2025010112', state: 'complete' },
      maxWaitMs: 120_000,
      consecutiveWriteFailures: 0,
      warnings: [],
    },
  ],
};

export const HISTORY_EXAMPLE: Static<typeof HistoryResponse> = {
  windowMs: 1_800_000,
  alarmAboveMs: 30_000,
  clearBelowMs: 20_000,
  points: [
    {
      at: 1_735_734_566_000,
      probe: 'aws-eu-west-1',
      round: 'aws-eu-west-1-2025010112',
      roundState: 'complete',
      pop: 'LHR',
      worstMs: 1_000,
      kind: 'measured',
    },
  ],
  pointsComplete: true,
  rollup: {
    level: '1m',
    stepMs: 60_000,
    from: 1_735_732_800_000,
    to: 1_735_734_660_000,
    by: 'probe',
    percentiles: 'bucket-interpolated',
    at: [1_735_734_540_000, 1_735_734_600_000],
    series: [
      {
        probe: 'aws-eu-west-1',
        pop: null,
        count: [0, 6],
        timeouts: [0, 0],
        minMs: [null, 800],
        p50Ms: [null, 1_000],
        p90Ms: [null, 1_900],
        p99Ms: [null, 2_000],
        maxMs: [null, 2_100],
        meanMs: [null, 1_200],
        lowMs: [null, 700],
        highMs: [null, 2_300],
      },
    ],
  },
};

export const HEALTHY_EXAMPLE: Static<typeof Health> = { status: 'ok' };
export const READY_EXAMPLE: Static<typeof Health> = { status: 'ready' };
export const NOT_READY_EXAMPLE: Static<typeof Health> = {
  status: 'not ready',
  reason: 'storage writes fail (SQLITE_FULL since 2025-01-01T12:00:00.000Z); see the aggregator log',
};
