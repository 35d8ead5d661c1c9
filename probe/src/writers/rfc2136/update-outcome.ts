/**
 * Turns the server's answer to our UPDATE into success or a failure with a
 * reason. Order matters: the TSIG is checked before the RCODE is believed,
 * because an unauthenticated NOERROR could be forged by anyone on the path.
 * Unsigned *errors* are reported as errors (a forger can only make a write
 * fail, which dropping the packet would do anyway).
 */
import { decodeHeader, Opcode, rcodeName, verifyTsig, type TsigKey } from '@propwatch/dns';
import { describeRcode, describeTsigError, type Failure, type UpdateContext } from './update-errors.js';

export type UpdateOutcome = { ok: true } | ({ ok: false } & Failure);

export interface OutcomeInput {
  response: Buffer;
  requestId: number;
  requestMac: Buffer;
  key: TsigKey;
  /** Our wall clock in seconds, for the response's fudge window. */
  nowSeconds: number;
  context: UpdateContext;
}

const failure = (error: string, code: string, retryable = false): UpdateOutcome => ({
  ok: false,
  error,
  code,
  retryable,
});

export function interpretUpdateResponse(input: OutcomeInput): UpdateOutcome {
  const { response, context: ctx } = input;
  const decoded = decodeHeader(response);
  if (!decoded.ok) return failure(`malformed response from ${ctx.server}: ${decoded.error}`, 'BAD_RESPONSE', true);
  const header = decoded.header;
  if (header.id !== input.requestId || !header.qr || header.opcode !== Opcode.UPDATE) {
    return failure(
      `response from ${ctx.server} is not an answer to our UPDATE (id ${header.id}, opcode ${header.opcode})`,
      'BAD_RESPONSE',
      true,
    );
  }
  const check = verifyTsig(response, input.key, { requestMac: input.requestMac, nowSeconds: input.nowSeconds });
  const rcode = rcodeName(header.rcode);
  switch (check.kind) {
    case 'bad':
      return failure(`response TSIG did not verify: ${check.reason} (server said ${rcode})`, 'TSIG_VERIFY');
    case 'unsigned':
      if (header.rcode === 0)
        return failure('response TSIG did not verify: the NOERROR response is unsigned', 'TSIG_VERIFY');
      return { ok: false, ...describeRcode(header.rcode, 'unsigned', ctx) };
    case 'unsigned-error':
      return {
        ok: false,
        ...describeTsigError(check.fields.error, header.rcode, ctx, { ...check.fields, nowSeconds: input.nowSeconds }),
      };
    case 'verified':
      if (check.fields.error !== 0) {
        return {
          ok: false,
          ...describeTsigError(check.fields.error, header.rcode, ctx, {
            ...check.fields,
            nowSeconds: input.nowSeconds,
          }),
        };
      }
      if (Math.abs(check.timeSkewSeconds) > check.fields.fudge) {
        return failure(
          `response TSIG did not verify: signed ${check.timeSkewSeconds} s away from our clock, beyond the fudge of ${check.fields.fudge} s (sync clocks with NTP)`,
          'BADTIME',
        );
      }
      return header.rcode === 0 ? { ok: true } : { ok: false, ...describeRcode(header.rcode, 'signed', ctx) };
  }
}
