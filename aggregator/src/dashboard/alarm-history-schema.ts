/** The answer of GET /api/v1/alarms (OpenAPI, and serialization by fast-json-stringify). */
import Type from 'typebox';
import { AlarmState } from '@propwatch/shared';

const Iso = Type.String({ format: 'date-time' });
export const AlarmHistoryResponse = Type.Object(
  {
    windowMs: Type.Number(),
    from: Iso,
    truncated: Type.Boolean({ description: 'more than 1,000 changes in the window: only the newest are listed' }),
    periods: Type.Array(
      Type.Object({
        state: AlarmState,
        start: Iso,
        end: Type.Union([Iso, Type.Null()], { description: 'null while the state still holds' }),
        durationMs: Type.Number(),
        reason: Type.String({ description: 'the status reason when the state began' }),
        endReason: Type.Union([Type.String(), Type.Null()], { description: 'the reason of the state that followed' }),
        pop: Type.Union([Type.String(), Type.Null()], { description: 'the worst POP when the state began' }),
        worstMs: Type.Union([Type.Number(), Type.Null()]),
        clipped: Type.Boolean({ description: 'began before the window; start is the window start' }),
      }),
      { description: 'newest first' },
    ),
  },
  { $id: 'AlarmHistory' },
);
