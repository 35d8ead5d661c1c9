/** The answer of GET /api/v1/matrix (OpenAPI, and serialization by fast-json-stringify). */
import Type from 'typebox';
import { RoundState, Status } from '@propwatch/shared';
import { ref } from '../routes/schema-refs.js';

const Severity = Type.Union([Type.Literal('ok'), Type.Literal('warn'), Type.Literal('bad'), Type.Literal('pending')], {
  description:
    'bad: over the alarm threshold or counted in the alarm; warn: at or over the clear level; pending: a lower bound below both',
});

export const MatrixCellSchema = Type.Object({
  probe: Type.String(),
  pop: Type.String(),
  target: Type.String({
    description: 'the target of the worst figure when the probe measures the POP through several',
  }),
  nsid: Type.Union([Type.String(), Type.Null()], { description: 'the server identity the POP answered with' }),
  targets: Type.Integer(),
  state: Type.String({ description: 'the POP result state: propagated | pending | failing | timeout | …' }),
  kind: Type.String({ description: 'measured | lower-bound (still pending) | censored (timeout)' }),
  ms: Type.Number({ description: 'the figure the status compares (a lower bound unless measured)' }),
  lowerMs: Type.Number(),
  upperMs: Type.Union([Type.Number(), Type.Null()]),
  roundId: Type.String(),
  serial: Type.String(),
  carried: Type.Boolean({ description: 'from the previous complete round: the running one has not resolved the POP' }),
  since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'not serving since (the ack of the first round it was seen missing in); null when measured',
  }),
  severity: Severity,
  breaching: Type.Boolean({ description: 'counted in the status’s breach of this POP' }),
});

export const MatrixResponse = Type.Object(
  {
    status: ref(Status),
    alarmAboveMs: Type.Number(),
    clearBelowMs: Type.Number(),
    staleAfterMs: Type.Number(),
    rows: Type.Array(
      Type.Object({
        pop: Type.String(),
        alarm: Type.Boolean({ description: 'the POP the status is in alarm for' }),
        worst: MatrixCellSchema,
        cells: Type.Array(MatrixCellSchema, { description: 'one per probe that has a figure for the POP' }),
      }),
      { description: 'POPs worst first (the POP in alarm on top)' },
    ),
    probes: Type.Array(
      Type.Object({
        id: Type.String(),
        region: Type.Union([Type.String(), Type.Null()]),
        presence: Type.Union([Type.Literal('reporting'), Type.Literal('silent'), Type.Literal('left')], {
          description: 'silent: configured, no report within staleAfterMs; left: reported once, no longer configured',
        }),
        lastReportAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        round: Type.Union([
          Type.Object({ id: Type.String(), state: RoundState, timeouts: Type.Integer(), pops: Type.Integer() }),
          Type.Null(),
        ]),
      }),
    ),
  },
  { $id: 'Matrix' },
);
