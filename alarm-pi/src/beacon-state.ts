import type { AlarmState } from '@propwatch/shared';
import type { AlarmPiConfig, Pattern } from './config.js';

/** What the beacon shows: the aggregator's state, or `unreachable` when the aggregator cannot be read. */
export type BeaconState = AlarmState | 'unreachable';

export const BEACON_STATES: readonly BeaconState[] = ['ok', 'alarm', 'stale', 'degraded', 'unreachable'];

export type BeaconPatterns = AlarmPiConfig['beacon']['patterns'];

/**
 * The pattern for a state. `alarm` is steady and `ok` is off, always; the
 * uncertain states are configurable. Quiet mode never lights steadily: any
 * steady pattern (alarm included) becomes the fast `quietAlarm` blink.
 */
export function patternFor(state: BeaconState, patterns: BeaconPatterns, quiet: boolean): Pattern {
  const pattern: Pattern = state === 'ok' ? 'off' : state === 'alarm' ? 'steady' : patterns[state];
  if (quiet && pattern === 'steady')
    return patterns.quietAlarm === 'steady' ? { onMs: 250, offMs: 250 } : patterns.quietAlarm;
  return pattern;
}

export function samePattern(a: Pattern, b: Pattern): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.onMs === b.onMs && a.offMs === b.offMs;
}
