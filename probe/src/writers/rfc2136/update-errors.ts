/**
 * Names and operator-facing explanations of UPDATE RCODEs (RFC 2136 §2.2)
 * and TSIG errors (RFC 8945 §4.3). One catalogue, so the same failure always
 * reads the same. Messages name the zone, record and key involved — never
 * the secret.
 *
 * Each message starts with what the server answered — the RCODE and how the
 * answer was signed: "(signed)" when its TSIG verified with our key (the
 * server accepted the key), "(unsigned)" when it carried no TSIG, "(TSIG error
 * BADKEY)" when the TSIG error field named the problem — and then says what
 * that means on the server families that answer so, because they differ:
 *
 * | cause                          | BIND                 | Knot                 | PowerDNS 4.7       |
 * |--------------------------------|----------------------|----------------------|--------------------|
 * | unknown key name               | NOTAUTH, BADKEY      | NOTAUTH, BADKEY      | REFUSED, unsigned  |
 * | wrong secret                   | NOTAUTH, BADSIG      | NOTAUTH, BADSIG      | REFUSED, unsigned  |
 * | wrong algorithm                | NOTAUTH, BADKEY      | NOTAUTH, BADKEY      | REFUSED, unsigned  |
 * | key without update rights      | REFUSED, signed      | NOTAUTH, BADKEY      | REFUSED, signed    |
 * | zone not served                | NOTAUTH, signed      | NOTAUTH, unsigned    | NOTAUTH, signed    |
 * | PowerDNS with dnsupdate=no     |                      |                      | REFUSED, signed    |
 *
 * (measured against the real servers: probe/test/real-servers-*.test.ts).
 * PowerDNS logs the real cause of its unsigned REFUSED; the answer alone
 * cannot tell them apart, so the message sends the operator to the log.
 */
import { Rcode, rcodeName, tsigErrorName, TsigError, tsigServerTime } from '@propwatch/dns';

export interface UpdateContext {
  server: string;
  zone: string;
  name: string;
  keyName: string;
  algorithm: string;
}

export interface Failure {
  error: string;
  code: string;
  retryable: boolean;
}

/** How the answer was signed: its TSIG verified with our key, or it had none. */
export type AnswerSignature = 'signed' | 'unsigned';

/** The failure for a non-NOERROR response RCODE (after any TSIG error was handled). */
export function describeRcode(rcode: number, signature: AnswerSignature, ctx: UpdateContext): Failure {
  const code = rcodeName(rcode);
  const fail = (why: string, retryable = false): Failure => ({
    error: `${code} (${signature}): ${why}`,
    code,
    retryable,
  });
  const key = `key "${ctx.keyName}"`;
  switch (rcode) {
    case Rcode.REFUSED:
      return signature === 'signed'
        ? fail(
            `the server at ${ctx.server} accepted ${key} and refused to let it update ${ctx.name}: ` +
              `BIND: grant it in update-policy (or allow-update); ` +
              `PowerDNS: name it in the zone's TSIG-ALLOW-DNSUPDATE metadata, with dnsupdate=yes and this probe's address in allow-dnsupdate-from`,
          )
        : fail(
            `the server at ${ctx.server} refused the update of ${ctx.name} without signing its answer, so it may not have accepted ${key} (${ctx.algorithm}) at all. ` +
              `PowerDNS answers this for an unknown key, a wrong secret or a wrong algorithm; BIND and Knot report those as TSIG errors (BADKEY, BADSIG) and sign a policy refusal. ` +
              `The server's log names the cause`,
          );
    case Rcode.NOTAUTH:
      return signature === 'signed'
        ? fail(
            `the server at ${ctx.server} accepted ${key} but is not authoritative for ${ctx.zone} (check the zone setting and that ${ctx.server} is its primary)`,
          )
        : fail(
            `the server at ${ctx.server} is not authoritative for ${ctx.zone} (Knot answers a zone it does not serve so), or did not accept ${key} and gave no TSIG error; check the zone setting, the key and the server's log`,
          );
    case Rcode.NOTZONE:
      return fail(
        `${ctx.name} is not inside zone ${ctx.zone} as the server at ${ctx.server} sees it (check the zone setting)`,
      );
    case Rcode.SERVFAIL:
      return fail(
        `the server at ${ctx.server} failed to apply the update to ${ctx.zone} (see its log; journal or zone file not writable?)`,
        true,
      );
    case Rcode.FORMERR:
      return fail(`the server at ${ctx.server} could not parse the update`);
    case Rcode.NOTIMP:
      return fail(`the server at ${ctx.server} does not implement DNS UPDATE`);
    case Rcode.YXRRSET:
    case Rcode.NXRRSET:
    case Rcode.YXDOMAIN:
    case Rcode.NXDOMAIN:
      return fail(`prerequisite failed at ${ctx.name} (unexpected: this writer sends no prerequisites)`);
    default:
      return fail(`the server at ${ctx.server} rejected the update to ${ctx.name}`);
  }
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The failure for a TSIG error in the response (the header RCODE is NOTAUTH
 * for these): "NOTAUTH (TSIG error BADKEY): the server has no key …".
 */
export function describeTsigError(
  error: number,
  rcode: number,
  ctx: UpdateContext,
  detail: { other: Buffer; fudge: number; nowSeconds: number },
): Failure {
  const code = tsigErrorName(error);
  let why: string;
  switch (error) {
    case TsigError.BADSIG:
      why = `the server knows key "${ctx.keyName}" but our MAC did not verify: a wrong secret, or an algorithm other than ${ctx.algorithm}`;
      break;
    case TsigError.BADKEY:
      // BIND and Knot answer BADKEY for a known name with another algorithm, and Knot for a known key no update ACL lets in.
      why = `the server has no key "${ctx.keyName}" with algorithm ${ctx.algorithm} (check the key name and algorithm in its config), or the key matches no acl with action update for ${ctx.zone} (Knot)`;
      break;
    case TsigError.BADTIME: {
      // RFC 8945 §5.2.3: on BADTIME the server puts its own time in Other Data.
      const serverTime = tsigServerTime(detail.other);
      why =
        serverTime === undefined
          ? `the server's clock and ours (${iso(detail.nowSeconds)}) differ by more than the fudge of ${detail.fudge} s; sync both with NTP`
          : `server time is ${iso(serverTime)}, ours is ${iso(detail.nowSeconds)}: clock skew ${detail.nowSeconds - serverTime} s exceeds the fudge of ${detail.fudge} s; sync both with NTP`;
      break;
    }
    case TsigError.BADTRUNC:
      why = 'the server rejected a truncated MAC';
      break;
    default:
      why = 'unknown TSIG error';
  }
  return { error: `${rcodeName(rcode)} (TSIG error ${code}): ${why}`, code, retryable: false };
}
