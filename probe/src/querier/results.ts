/** Result shapes of the querier: failures are values with reasons, never exceptions. */
import type { DnsMessage } from '@propwatch/dns';

export type Transport = 'udp' | 'tcp';

export type FailureReason =
  | 'timeout'
  | 'servfail'
  | 'refused'
  /** Any other error RCODE (FORMERR, NOTIMP, NOTAUTH, BADVERS, …); `detail` names it. */
  | 'rcode'
  /** Only malformed or mismatching responses came from the target before the deadline. */
  | 'garbage'
  /** TC=1 over UDP with TCP fallback disabled, or TC=1 over TCP. */
  | 'truncated'
  | 'network'
  | 'closed'
  /** The caller's AbortSignal fired (round deadline, shutdown): says nothing about the target. */
  | 'aborted'
  /** Every socket of the family has too many queries in flight to pick a fresh ID. */
  | 'busy'
  | 'invalid-target';

export const FAILURE_REASONS: readonly FailureReason[] = [
  'timeout',
  'servfail',
  'refused',
  'rcode',
  'garbage',
  'truncated',
  'network',
  'closed',
  'aborted',
  'busy',
  'invalid-target',
];

export interface QueryTarget {
  address: string;
  port: number;
}

interface Timing {
  /** performance.now() when the (first, UDP) query was sent. */
  sentAt: number;
  /** Milliseconds from sending the UDP query to receiving the final answer (includes the TCP retry after TC=1). */
  rttMs: number;
  /** performance.now() when the answer arrived. */
  receivedAt: number;
}

export interface QueryAnswer extends Timing {
  kind: 'answer';
  message: DnsMessage;
  transport: Transport;
  /** The answering instance's NSID, rendered (text if printable, else hex), from the same packet. */
  nsid?: string;
}

export interface QueryFailure extends Partial<Timing> {
  kind: 'failure';
  reason: FailureReason;
  /** Human-readable explanation, naming the target and what came back. */
  detail: string;
  transport?: Transport;
  /** The response when the failure is an RCODE (SERVFAIL, REFUSED, …). */
  message?: DnsMessage;
  nsid?: string;
}

export type QueryResult = QueryAnswer | QueryFailure;

/** Counters since the querier was created; "dropped" packets never resolved a query. */
export interface QuerierStats {
  queries: number;
  udpSent: number;
  tcpQueries: number;
  answers: number;
  failures: Record<FailureReason, number>;
  dropped: {
    /** Shorter than a DNS header. */
    short: number;
    /** No query in flight with that ID on that socket (late, duplicate or forged). */
    unknownId: number;
    /** Right ID, but not from the queried address and port. */
    wrongSource: number;
    /** From the target with the right ID but not a response to our question (QR=0, wrong opcode or question). */
    mismatch: number;
    /** From the target with the right ID but not decodable. */
    malformed: number;
  };
  /** The UDP pool's sockets (open now: `opened - closed`). */
  sockets: {
    opened: number;
    closed: number;
    /** Sockets retired after their query or age budget and replaced by a fresh one on a new random port. */
    rotated: number;
    /** Binds that failed; the old socket served on, or with none the query failed as `network`. */
    bindFailures: number;
  };
}

export function emptyStats(): QuerierStats {
  return {
    queries: 0,
    udpSent: 0,
    tcpQueries: 0,
    answers: 0,
    failures: Object.fromEntries(FAILURE_REASONS.map((r) => [r, 0])) as Record<FailureReason, number>,
    dropped: { short: 0, unknownId: 0, wrongSource: 0, mismatch: 0, malformed: 0 },
    sockets: { opened: 0, closed: 0, rotated: 0, bindFailures: 0 },
  };
}
