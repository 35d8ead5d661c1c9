/**
 * One poll of one POP for our canary: did it serve serial ≥ the one written?
 * The verdict follows DESIGN.md "A round": hit, miss (not yet) or failure
 * (could not tell). Timings are passed through so the round engine can put
 * the change between the last miss's send and the first hit's receipt.
 */
import { parseCanary } from '@propwatch/shared';
import { canonicalName, Rcode, RRClass, RRType, type DnsMessage } from '@propwatch/dns';
import type { Querier } from './querier.js';
import type { FailureReason, QueryTarget, Transport } from './results.js';

export interface CanarySpec {
  /** Owner name of the canary TXT record (`<probeId>._propwatch.<zone>`). */
  name: string;
  /** The serial just written. */
  serial: bigint;
  probeId: string;
  timeoutMs?: number;
  nsid?: boolean;
  tcpFallback?: boolean;
}

interface Observed {
  rttMs: number;
  sentAt: number;
  receivedAt: number;
  transport: Transport;
  nsid?: string;
}

export type CanaryCheck =
  | ({ kind: 'hit'; servedSerial: bigint; aa: true } & Observed)
  /** `absent`: TXT records exist at the name but none is this probe's canary. */
  | ({ kind: 'miss'; why: 'nxdomain' | 'nodata' | 'absent' | 'older'; servedSerial?: bigint } & Observed)
  | ({
      kind: 'failure';
      reason: FailureReason | 'not-authoritative' | 'malformed-canary';
      detail: string;
    } & Partial<Observed>);

/** Queries `target` for the canary TXT RRset and judges the answer; `signal` aborts the query (an `aborted` failure). */
export async function checkCanary(
  querier: Pick<Querier, 'query' | 'prepare'>,
  target: QueryTarget,
  spec: CanarySpec,
  signal?: AbortSignal,
): Promise<CanaryCheck> {
  const question = querier.prepare(
    { name: spec.name, type: RRType.TXT, class: RRClass.IN },
    { nsid: spec.nsid ?? true },
  );
  const result = await querier.query(target, question, {
    timeoutMs: spec.timeoutMs,
    tcpFallback: spec.tcpFallback ?? true,
    signal,
  });
  if (result.kind === 'failure') {
    const { reason, detail, rttMs, sentAt, receivedAt, transport, nsid } = result;
    return omitUndefined({ kind: 'failure', reason, detail, rttMs, sentAt, receivedAt, transport, nsid });
  }
  const observed: Observed = omitUndefined({
    rttMs: result.rttMs,
    sentAt: result.sentAt,
    receivedAt: result.receivedAt,
    transport: result.transport,
    nsid: result.nsid,
  });
  return judgeCanary(result.message, spec, observed);
}

/** The verdict on a NOERROR/NXDOMAIN answer; pure, so it is tested without a server. */
export function judgeCanary(
  message: DnsMessage,
  spec: Pick<CanarySpec, 'name' | 'serial' | 'probeId'>,
  observed: Observed,
): CanaryCheck {
  // Without AA the answer came from something that is not authoritative for
  // the zone (a resolver or cache in the path, a lame server): it tells us
  // nothing about what the POP we mean to measure serves, so it must not
  // count as a miss (it would move the lower bound) nor as a hit.
  if (!message.header.aa) {
    return {
      kind: 'failure',
      reason: 'not-authoritative',
      detail: `answer for ${spec.name} has AA=0: not from an authoritative server`,
      ...observed,
    };
  }
  if (message.header.rcode === Rcode.NXDOMAIN) return { kind: 'miss', why: 'nxdomain', ...observed };
  const owner = canonicalName(spec.name);
  // Only TXT at the name itself counts; a CNAME in the way is not our canary.
  const records = message.answers
    .filter(
      (rr) =>
        rr.type === RRType.TXT && rr.class === RRClass.IN && rr.data.kind === 'txt' && canonicalName(rr.name) === owner,
    )
    // latin1 maps each byte to one character, so no byte is lost or merged; non-ASCII then fails the canary pattern.
    .map((rr) => (rr.data.kind === 'txt' ? rr.data.strings.map((s) => s.toString('latin1')) : []));
  if (records.length === 0) return { kind: 'miss', why: 'nodata', ...observed };
  const canary = parseCanary(records, spec.probeId);
  if (canary.kind === 'malformed')
    return { kind: 'failure', reason: 'malformed-canary', detail: canary.reason, ...observed };
  if (canary.kind === 'absent') return { kind: 'miss', why: 'absent', ...observed };
  if (canary.serial >= spec.serial) return { kind: 'hit', servedSerial: canary.serial, aa: true, ...observed };
  return { kind: 'miss', why: 'older', servedSerial: canary.serial, ...observed };
}

function omitUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}
