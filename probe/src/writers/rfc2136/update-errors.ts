/**
 * Names and operator-facing explanations of UPDATE RCODEs (RFC 2136 §2.2)
 * and TSIG errors (RFC 8945 §4.3). One catalogue, so the same failure always
 * reads the same. Messages name the zone, record and key involved — never
 * the secret.
 */

export const RCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
};

export const TSIG_ERROR_NAMES: Readonly<Record<number, string>> = {
  16: 'BADSIG',
  17: 'BADKEY',
  18: 'BADTIME',
  22: 'BADTRUNC',
};

export const rcodeName = (rcode: number) => RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
export const tsigErrorName = (error: number) => TSIG_ERROR_NAMES[error] ?? `TSIGERR${error}`;

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

/** The failure for a non-NOERROR response RCODE (after any TSIG error was handled). */
export function describeRcode(rcode: number, ctx: UpdateContext): Failure {
  const code = rcodeName(rcode);
  const fail = (error: string, retryable = false): Failure => ({ error, code, retryable });
  switch (rcode) {
    case 9:
      return fail(`NOTAUTH: server is not authoritative for ${ctx.zone} or rejected the TSIG key "${ctx.keyName}"`);
    case 5:
      return fail(
        `REFUSED: key ${ctx.keyName} has no update rights for ${ctx.name} (check update-policy / allow-update)`,
      );
    case 10:
      return fail(
        `NOTZONE: ${ctx.name} is not inside zone ${ctx.zone} as the server at ${ctx.server} sees it (check the zone setting)`,
      );
    case 2:
      return fail(
        `SERVFAIL: the server at ${ctx.server} failed to apply the update to ${ctx.zone} (see its log; journal or zone file not writable?)`,
        true,
      );
    case 1:
      return fail(`FORMERR: the server at ${ctx.server} could not parse the update`);
    case 4:
      return fail(`NOTIMP: the server at ${ctx.server} does not implement DNS UPDATE`);
    case 7:
    case 8:
    case 6:
    case 3:
      return fail(`${code}: prerequisite failed at ${ctx.name} (unexpected: this writer sends no prerequisites)`);
    default:
      return fail(`${code}: the server at ${ctx.server} rejected the update to ${ctx.name}`);
  }
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The failure for a TSIG error in the response. The header RCODE is NOTAUTH
 * for these, so the NOTAUTH sentence comes first and the TSIG detail after.
 */
export function describeTsigError(
  error: number,
  rcode: number,
  ctx: UpdateContext,
  detail: { other: Buffer; fudge: number; nowSeconds: number },
): Failure {
  const code = tsigErrorName(error);
  const prefix = rcode === 9 ? `${describeRcode(9, ctx).error}; ` : rcode === 0 ? '' : `${rcodeName(rcode)}: `;
  let why: string;
  switch (error) {
    case 16:
      why = `the server knows key "${ctx.keyName}" but our MAC did not verify (wrong secret or algorithm ${ctx.algorithm}?)`;
      break;
    case 17:
      // Knot also answers BADKEY for a known key that no update ACL lets in.
      why = `the server has no key "${ctx.keyName}" with algorithm ${ctx.algorithm} (check the key name and algorithm in its config), or the key matches no acl with action update for ${ctx.zone} (Knot)`;
      break;
    case 18: {
      // RFC 8945 §5.2.3: on BADTIME the server puts its own time in Other Data (6 bytes).
      const serverTime = detail.other.length === 6 ? detail.other.readUIntBE(0, 6) : undefined;
      why =
        serverTime === undefined
          ? `the server's clock and ours (${iso(detail.nowSeconds)}) differ by more than the fudge of ${detail.fudge} s; sync both with NTP`
          : `server time is ${iso(serverTime)}, ours is ${iso(detail.nowSeconds)}: clock skew ${detail.nowSeconds - serverTime} s exceeds the fudge of ${detail.fudge} s; sync both with NTP`;
      break;
    }
    case 22:
      why = 'the server rejected a truncated MAC';
      break;
    default:
      why = 'unknown TSIG error';
  }
  return { error: `${prefix}TSIG error ${code}: ${why}`, code, retryable: false };
}
