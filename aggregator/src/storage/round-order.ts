/**
 * Which of two reports of the same round is further along. Reports arrive
 * at-least-once and possibly out of order (spool replays, retries), so a
 * late duplicate must never move a stored round backwards.
 */
import type { RoundState } from '@propwatch/shared';

const STATE_RANK: Record<RoundState, number> = { running: 0, complete: 1, write_failed: 1 };

/** True when `incoming` should replace `stored`: a later state, or the same rank with more elapsed time. */
export function isFurtherAlong(
  stored: { state: RoundState; elapsedMs: number },
  incoming: { state: RoundState; elapsedMs: number },
): boolean {
  const rankDelta = STATE_RANK[incoming.state] - STATE_RANK[stored.state];
  if (rankDelta !== 0) return rankDelta > 0;
  return incoming.elapsedMs > stored.elapsedMs;
}
