/**
 * What the aggregator answers with any 4xx/5xx: `{statusCode, error, message,
 * code?}`. The probe and the beacon client read its `message` to say why they
 * were refused ("unknown probe token: check the probe token against the
 * aggregator probes list"), not just the status code.
 */
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { plainText } from '../text/plain-text.js';

export const ErrorBody = Type.Object({
  statusCode: Type.Integer({ minimum: 100, maximum: 599 }),
  error: Type.String(),
  message: Type.String(),
  code: Type.Optional(Type.String()),
});
export type ErrorBody = Static<typeof ErrorBody>;

/** The aggregator's reason is its text: one line, at most this long, whatever a proxy or an old version sends. */
const MAX_MESSAGE = 300;

const isErrorBody = Compile(ErrorBody);

/** The `message` of an error answer as plain text, or undefined when `text` is not one (a proxy's HTML page). */
export function errorMessageOf(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  // Extra fields pass (the object is open): a newer aggregator may add some.
  if (!isErrorBody.Check(body)) return undefined;
  const message = plainText(body.message, MAX_MESSAGE);
  return message === '' ? undefined : message;
}
