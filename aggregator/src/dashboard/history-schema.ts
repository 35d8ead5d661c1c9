/** The answer of GET /api/v1/history (OpenAPI, and serialization by fast-json-stringify). */
import Type from 'typebox';

const Column = (description: string) => Type.Array(Type.Union([Type.Number(), Type.Null()]), { description });

export const HistorySeries = Type.Object({
  probe: Type.Union([Type.String(), Type.Null()], { description: 'the probe (by=probe), else null' }),
  pop: Type.Union([Type.String(), Type.Null()], { description: 'the POP (by=pop), else null' }),
  count: Type.Array(Type.Integer(), { description: 'finished POP results per step; 0 = no data (a gap)' }),
  timeouts: Type.Array(Type.Integer(), { description: 'of those, timed out (censored at the probe maxWaitMs)' }),
  minMs: Column('smallest figure per step'),
  p50Ms: Column('bucket-interpolated median per step'),
  p90Ms: Column('bucket-interpolated 90th percentile per step'),
  p99Ms: Column('bucket-interpolated 99th percentile per step'),
  maxMs: Column('largest figure per step'),
  meanMs: Column('mean figure per step'),
  lowMs: Column('lowest lower bound per step: every true time lies at or above it'),
  highMs: Column('highest upper bound of the measured results per step (null when all timed out)'),
});

export const HistoryPoint = Type.Object({
  at: Type.Number({ description: 'aggregator time of the round’s first report, ms since epoch' }),
  probe: Type.String(),
  round: Type.String(),
  roundState: Type.String(),
  pop: Type.String({ description: 'slowest POP of the round' }),
  worstMs: Type.Number(),
  kind: Type.String({ description: 'measured | lower-bound (still pending) | censored (timeout)' }),
});

export const HistoryResponse = Type.Object(
  {
    windowMs: Type.Number(),
    alarmAboveMs: Type.Number(),
    clearBelowMs: Type.Number(),
    points: Type.Array(HistoryPoint, {
      description: 'worst POP per round from the raw rounds: windows up to 1 h only',
    }),
    pointsComplete: Type.Boolean({
      description: 'false when the window is over an hour (no points) or its raw rounds exceed 10,000 POP results',
    }),
    rollup: Type.Object({
      level: Type.Union([Type.Literal('1m'), Type.Literal('10m'), Type.Literal('1h')], {
        description: 'length of the stored cells read',
      }),
      stepMs: Type.Number({ description: 'length of one step' }),
      from: Type.Number({ description: 'start of the first step, ms since epoch' }),
      to: Type.Number({ description: 'end of the last step (it holds now), ms since epoch' }),
      by: Type.Union([Type.Literal('probe'), Type.Literal('pop'), Type.Literal('all')]),
      percentiles: Type.Literal('bucket-interpolated', {
        description: 'linear within the histogram bucket holding the rank (bounds 50 ms … 300 s), clamped to min/max',
      }),
      at: Type.Array(Type.Number(), { description: 'start of every step, gaps included' }),
      series: Type.Array(HistorySeries),
    }),
  },
  { $id: 'History' },
);
