import Type, { type Static } from 'typebox';
import { IDENTIFIER_PATTERN, MAX_COUNTER, MAX_DURATION_MS, MAX_POPS_PER_ROUND, SERIAL_PATTERN } from './limits.js';

/** Wire contract version; bump on any incompatible change and accept both during a migration. */
export const WIRE_VERSION = 1;

const Identifier = (description: string) => Type.String({ pattern: IDENTIFIER_PATTERN, description });
const DurationMs = (description: string) => Type.Number({ minimum: 0, maximum: MAX_DURATION_MS, description });
const Counter = (description: string) => Type.Integer({ minimum: 0, maximum: MAX_COUNTER, description });

export const PopState = Type.Union(
  [
    Type.Literal('pending'),
    Type.Literal('propagated'),
    Type.Literal('timeout'),
    Type.Literal('failing'),
    Type.Literal('rerouted'),
    Type.Literal('unreachable'),
  ],
  {
    description:
      'pending: not seen yet, round running; propagated: served the serial; timeout: answered but not seen serving by maxWaitMs (censored); failing: only errors so far, round running; rerouted: an anycast instance the catchment moved away from before it was seen serving (censored at its last miss, never a breach); unreachable: no usable answer from the target all round (loss of observation, not a propagation figure)',
  },
);
export type PopState = Static<typeof PopState>;

export const TargetKind = Type.Union([Type.Literal('unicast'), Type.Literal('anycast')], {
  description:
    'unicast: one POP behind the address (pop = the configured name); anycast: every POP announces it, each answer names its instance (pop = its NSID mapped to a POP)',
});
export type TargetKind = Static<typeof TargetKind>;

/**
 * One POP's observation within a round. Times are milliseconds on the probe's
 * monotonic clock, relative to the provider acknowledging the write. The true
 * moment the POP began serving the serial lies in [lowerMs, upperMs].
 */
export const PopResult = Type.Object(
  {
    pop: Identifier(
      'POP: for a unicast target its configured name (LHR); for an anycast target the POP the answering instance names (its NSID mapped by the probe, or the sanitised NSID itself); for an unreachable anycast target the target name',
    ),
    target: Type.String({ minLength: 1, maxLength: 300, description: 'address:port that was queried' }),
    via: Type.Optional(
      Identifier(
        'configured name of the target the result came through (ns1); absent from older probes: then via = pop',
      ),
    ),
    targetKind: Type.Optional(TargetKind),
    nsid: Type.Optional(
      Type.String({
        maxLength: 512,
        description: 'identity of the instance that answered (NSID or CHAOS id.server); display as text',
      }),
    ),
    state: PopState,
    lowerMs: DurationMs(
      "send time of the last query that missed (0 if the first query hit); for pending/timeout, how long the POP has been seen missing; for rerouted, the send time of its last miss before the catchment moved; for unreachable, the round's elapsedMs",
    ),
    upperMs: Type.Optional(DurationMs('receive time of the first query that hit')),
    estimateMs: Type.Optional(DurationMs('midpoint of [lowerMs, upperMs]')),
    queries: Counter('queries sent to this target in this round'),
    failures: Counter('queries that timed out or got SERVFAIL/REFUSED/garbage'),
    rttMs: Type.Optional(DurationMs('round-trip time of the last answered query')),
    lastError: Type.Optional(Type.String({ maxLength: 300, description: 'reason of the most recent failure' })),
  },
  { additionalProperties: false },
);
export type PopResult = Static<typeof PopResult>;

export const RoundState = Type.Union([Type.Literal('running'), Type.Literal('complete'), Type.Literal('write_failed')]);
export type RoundState = Static<typeof RoundState>;

export const RoundReport = Type.Object(
  {
    wireVersion: Type.Literal(WIRE_VERSION),
    probe: Type.Object(
      {
        id: Identifier('probe id; must match the bearer token'),
        region: Type.String({ minLength: 1, maxLength: 64, description: 'where the probe runs, e.g. aws-eu-west-1' }),
        version: Type.String({ minLength: 1, maxLength: 64, description: 'probe software version' }),
      },
      { additionalProperties: false },
    ),
    round: Type.Object(
      {
        id: Type.String({
          pattern: '^[A-Za-z0-9_.:-]{1,128}$',
          description: 'unique per probe and round; the upsert key',
        }),
        zone: Type.String({ minLength: 1, maxLength: 255 }),
        record: Type.String({ minLength: 1, maxLength: 255, description: 'canary owner name' }),
        serial: Type.String({ pattern: SERIAL_PATTERN, description: 'decimal serial written in this round' }),
        startedAt: Type.String({
          format: 'date-time',
          description: 'wall clock at the start of the round, for display and ordering only',
        }),
        state: RoundState,
        elapsedMs: DurationMs('time since the write was acknowledged when this report was built'),
        maxWaitMs: Type.Optional(
          DurationMs(
            "the probe's round.maxWaitMs: how long it waits for a POP before reporting it as timeout (lets the aggregator check it against its threshold; optional, older probes do not send it)",
          ),
        ),
        write: Type.Object(
          {
            submitToAckMs: DurationMs('provider API latency of the write'),
            error: Type.Optional(Type.String({ maxLength: 1000 })),
          },
          { additionalProperties: false },
        ),
        pops: Type.Array(PopResult, { maxItems: MAX_POPS_PER_ROUND }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, $id: 'RoundReport' },
);
export type RoundReport = Static<typeof RoundReport>;
