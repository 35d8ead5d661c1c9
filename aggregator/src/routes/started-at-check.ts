/**
 * A round's startedAt against the aggregator's clock. It orders nothing any
 * more (a probe's rounds are ordered by serial, storage/round-sequence.ts),
 * but it is shown as the round's time and dates lists across probes, so it
 * must be plausible: no further ahead than `maxClockSkewMs` (a probe clock
 * off by more is refused, and says so, rather than shown as the future; one
 * report dated 2099 used to hide every later round of its probe), and no
 * older than the retention. The past side cannot be tighter: after an outage
 * a probe's spool replays rounds hours old, and they must be stored.
 */
import { type ApiError, clockSkew, roundTooOld } from '../http/error-catalogue.js';

export interface StartedAtBounds {
  maxClockSkewMs: number;
  retentionMs: number;
}

/** The refusal for `startedAt` received at `now` (ms since epoch), or null when it is plausible. */
export function checkStartedAt(startedAt: string, now: number, bounds: StartedAtBounds): ApiError | null {
  const startedAtMs = Date.parse(startedAt);
  const clock = `the aggregator's clock (${new Date(now).toISOString()})`;
  if (startedAtMs - now > bounds.maxClockSkewMs) {
    return clockSkew(
      `body.round.startedAt: ${startedAt} is ${seconds(startedAtMs - now)} ahead of ${clock}; at most ` +
        `${seconds(bounds.maxClockSkewMs)} is accepted (ingest.maxClockSkewMs ${bounds.maxClockSkewMs}). ` +
        "Check the probe's clock (NTP); nothing was stored",
    );
  }
  if (now - startedAtMs > bounds.retentionMs + bounds.maxClockSkewMs) {
    return roundTooOld(
      `body.round.startedAt: ${startedAt} is ${seconds(now - startedAtMs)} behind ${clock}, older than the ` +
        `retention (storage.retentionDays ${bounds.retentionMs / 86_400_000}) plus ingest.maxClockSkewMs: it would ` +
        "be pruned at once. Check the probe's clock (NTP); nothing was stored",
    );
  }
  return null;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
