import Type, { type Static } from 'typebox';

export const AlarmState = Type.Union([
  Type.Literal('ok'),
  Type.Literal('alarm'),
  Type.Literal('stale'),
  Type.Literal('degraded'),
]);
export type AlarmState = Static<typeof AlarmState>;

/** What `GET /api/v1/status` returns: compact, so a Pi Zero can poll it every second. */
export const Status = Type.Object(
  {
    state: AlarmState,
    since: Type.String({ format: 'date-time', description: 'when the current state began' }),
    worstMs: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
      description: 'worst-case propagation in the window, null without data',
    }),
    thresholdMs: Type.Number({ minimum: 0 }),
    worst: Type.Union([
      Type.Object({ probe: Type.String(), pop: Type.String() }, { additionalProperties: false }),
      Type.Null(),
    ]),
    probes: Type.Object(
      { fresh: Type.Integer({ minimum: 0 }), expected: Type.Integer({ minimum: 0 }) },
      { additionalProperties: false },
    ),
    reason: Type.String(),
    coverage: Type.Optional(
      Type.Object(
        {
          basis: Type.Union([Type.Literal('configured'), Type.Literal('learned')], {
            description: 'configured: expectedPops; learned: every POP seen within retention',
          }),
          observed: Type.Integer({ minimum: 0, description: 'expected POPs some fresh probe observes' }),
          expected: Type.Integer({ minimum: 0 }),
          missing: Type.Array(Type.String(), {
            maxItems: 20,
            description:
              'blind spots: expected POPs no fresh probe observes (the first 20; /api/v1/coverage lists all)',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, $id: 'Status' },
);
export type Status = Static<typeof Status>;
