/**
 * The one check every status the beacon acts on goes through, whether it came
 * from a poll (`GET /api/v1/status`) or an event of the status stream: JSON,
 * then the shared `Status` schema. A body that fails is a failure with a
 * reason, never thrown and never shown on the light.
 */
import { Status, describeSchemaErrors } from '@propwatch/shared';
import Type from 'typebox';
import { Compile } from 'typebox/compile';

export type FetchResult = { ok: true; status: Status } | { ok: false; reason: string; failover?: boolean };

/**
 * The Status as this client reads it: every field it knows is checked as strictly as the aggregator writes it,
 * but a field added later at the top level (as `coverage` was) is ignored, not refused, so an aggregator can be
 * upgraded before the beacons that follow it (a Pi is the last thing anyone upgrades).
 */
const ReadableStatus = Type.Object(Status.properties);
const statusValidator = Compile(ReadableStatus);

/** Parses and checks a status body; `from` names where it came from in the reason (a URL). */
export function readStatusBody(text: string, from: string): FetchResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, reason: `invalid JSON from ${from}: ${JSON.stringify(text.slice(0, 60))}` };
  }
  if (!statusValidator.Check(body))
    return {
      ok: false,
      reason: `body is not a Status: ${describeSchemaErrors(ReadableStatus, body, statusValidator.Errors(body), 'body')}`,
    };
  return { ok: true, status: body };
}
