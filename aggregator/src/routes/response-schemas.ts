/**
 * Response schemas of the API: they document it (OpenAPI, each under its `$id` in components/schemas) and let
 * fastify serialize with fast-json-stringify. Wire shapes come from shared. Nested named schemas are referenced
 * (`ref`), never inlined, so each is registered once (api-schemas.ts).
 */
import Type from 'typebox';
import { PopResult, RoundState } from '@propwatch/shared';
import { ref } from './schema-refs.js';

const Ms = Type.Union([Type.Number(), Type.Null()]);

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String({ description: 'the HTTP reason phrase' }),
    message: Type.String({ description: 'what is wrong, naming the field or header, and what to do' }),
    code: Type.Optional(Type.String({ description: 'PROPWATCH_… error code, stable for scripts' })),
  },
  { $id: 'Error' },
);

export const Health = Type.Object(
  {
    status: Type.String({ description: 'ok (healthz), ready or not ready (readyz)' }),
    reason: Type.Optional(Type.String({ description: 'why not ready' })),
  },
  { $id: 'Health' },
);

export const IngestAck = Type.Object(
  {
    outcome: Type.Union([Type.Literal('inserted'), Type.Literal('updated'), Type.Literal('unchanged')], {
      description: 'unchanged: a duplicate or older report; the stored round is further along',
    }),
    probe: Type.String(),
    round: Type.String(),
    state: RoundState,
  },
  { $id: 'IngestAck' },
);

export const ObservationSchema = Type.Object(
  {
    probe: Type.String(),
    pop: Type.String(),
    target: Type.String(),
    via: Type.Optional(
      Type.String({ description: 'the configured target it came through when that is not the POP itself (ns1)' }),
    ),
    roundId: Type.String(),
    serial: Type.String(),
    state: Type.String(),
    kind: Type.String({ description: 'measured | lower-bound (still pending) | censored (timeout)' }),
    ms: Type.Number(),
    lowerMs: Type.Number(),
    upperMs: Type.Optional(Type.Number()),
  },
  { $id: 'Observation' },
);

const PercentilesFields = {
  count: Type.Integer(),
  p50: Ms,
  p90: Ms,
  p99: Ms,
  max: Ms,
  timeouts: Type.Integer(),
  pending: Type.Integer(),
};

export const PropagationResponse = Type.Object(
  {
    windowMs: Type.Number(),
    source: Type.Union([Type.Literal('raw'), Type.Literal('rollup')], {
      description:
        'raw: every round of the window (up to an hour and 10,000 POP results), running rounds included; ' +
        'rollup: cells of a minute, ten minutes or an hour of finished results',
    }),
    percentiles: Type.Union([Type.Literal('nearest-rank'), Type.Literal('bucket-interpolated')], {
      description:
        'nearest-rank: exact, every figure a value that was observed; bucket-interpolated: linear within the ' +
        'histogram bucket holding the rank (bounds 50 ms … 300 s, as propwatch_propagation_seconds), clamped to ' +
        'the real min and max',
    }),
    resolutionMs: Type.Union([Type.Number(), Type.Null()], {
      description: 'rollup cell length (60000, 600000 or 3600000); null for raw',
    }),
    from: Type.Number({ description: 'start of the data read, ms since the epoch (rollups: rounded down to a cell)' }),
    to: Type.Number({ description: 'end of the data read, ms since the epoch' }),
    rounds: Type.Integer({ description: 'rounds whose latest report arrived in the window' }),
    overall: Type.Object(PercentilesFields),
    perPop: Type.Array(Type.Object({ key: Type.String(), ...PercentilesFields })),
    perProbe: Type.Array(Type.Object({ key: Type.String(), ...PercentilesFields })),
    slowest: Type.Union([ref(ObservationSchema), Type.Null()]),
    worstCase: Type.Union([ref(ObservationSchema), Type.Null()]),
  },
  { $id: 'Propagation' },
);

export const RoundResponse = Type.Object(
  {
    probe: Type.Object({ id: Type.String(), region: Type.String(), version: Type.String() }),
    id: Type.String(),
    zone: Type.String(),
    record: Type.String(),
    serial: Type.String(),
    startedAt: Type.String(),
    state: RoundState,
    elapsedMs: Type.Number(),
    maxWaitMs: Type.Optional(Type.Number({ description: "the probe's round.maxWaitMs, when it reported it" })),
    write: Type.Object({ submitToAckMs: Type.Number(), error: Type.Optional(Type.String()) }),
    pops: Type.Array(PopResult),
    firstReceivedAt: Type.String({ format: 'date-time' }),
    receivedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Round' },
);

export const RoundsResponse = Type.Object(
  {
    rounds: Type.Array(ref(RoundResponse)),
    truncated: Type.Boolean({
      description: 'true when fewer rounds than the limit came back because they would hold over 10,000 POP results',
    }),
  },
  { $id: 'Rounds' },
);

export const PopsResponse = Type.Object(
  {
    windowMs: Type.Number(),
    unseen: Type.Array(Type.String(), {
      description: 'POPs of expectedPops that no probe reported in the window (empty without expectedPops)',
    }),
    pops: Type.Array(
      Type.Object({
        pop: Type.String(),
        targets: Type.Array(Type.String(), { description: 'targets of the POP in the latest round of each probe' }),
        lastSeenAt: Type.String({ format: 'date-time' }),
        observations: Type.Union([Type.Integer(), Type.Null()], {
          description:
            'finished POP results (propagated or timeout) in the window, from the rollups; ' +
            'null when counting them would exceed limits.readRows',
        }),
        current: Type.Union([ref(ObservationSchema), Type.Null()], {
          description: 'worst current observation over the latest round of each probe',
        }),
      }),
    ),
  },
  { $id: 'Pops' },
);

export const ProbesResponse = Type.Object(
  {
    probes: Type.Array(
      Type.Object({
        id: Type.String(),
        configured: Type.Boolean(),
        region: Type.Union([Type.String(), Type.Null()]),
        version: Type.Union([Type.String(), Type.Null()]),
        lastSeenAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        fresh: Type.Boolean(),
        lastRound: Type.Union([Type.Object({ id: Type.String(), state: RoundState }), Type.Null()], {
          description: "the probe's newest round in its serial sequence (a replayed older round does not replace it)",
        }),
        maxWaitMs: Type.Union([Type.Number(), Type.Null()], {
          description:
            'round.maxWaitMs reported with that round (null: not reported, probes before it was on the wire)',
        }),
        consecutiveWriteFailures: Type.Integer(),
        warnings: Type.Array(
          Type.Object({
            code: Type.Literal('max_wait_not_above_threshold', {
              description: "the probe's maxWaitMs is not above status.alarmAboveMs",
            }),
            message: Type.String({ description: 'what is wrong and what to set' }),
          }),
          { description: 'problems with how this probe is set up; empty when none' },
        ),
      }),
    ),
  },
  { $id: 'Probes' },
);
