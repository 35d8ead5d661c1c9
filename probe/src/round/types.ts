/** Shapes the round engine works with; the querier and writers are adapted to them in main. */
import type { TargetKind } from '@propwatch/shared';

/**
 * An address to poll with its configured name. `unicast` (the default): one
 * POP behind it, named `name`. `anycast`: every POP announces it, and each
 * answer names the instance that gave it (its NSID, mapped to a POP).
 */
export interface Target {
  name: string;
  address: string;
  port: number;
  kind?: TargetKind | undefined;
}

/**
 * What one canary query told us. `hit`: the POP serves the written serial or
 * a newer one. `miss`: it answered authoritatively without it (NXDOMAIN,
 * NODATA, older serial). `failure`: no usable answer (timeout, SERVFAIL,
 * REFUSED, garbage, not authoritative); it says nothing about propagation.
 * `aborted`: the check's signal fired (round deadline, shutdown) before an
 * answer; it is no failure of the POP and is never counted.
 *
 * `nsid` names the instance that answered (EDNS NSID, or CHAOS `id.server`
 * when asked). A failure's `answered` says whether anything came back from
 * the target at all (an error RCODE, garbage, a truncated answer: true; a
 * timeout, a send error such as ENETUNREACH, a refused TCP connection:
 * false): a target that never answers is unreachable, not slow.
 */
export type CheckOutcome = (
  | { kind: 'hit'; servedSerial: bigint; nsid?: string | undefined; rttMs: number }
  | { kind: 'miss'; why: string; nsid?: string | undefined; rttMs: number }
  | { kind: 'failure'; reason: string; answered: boolean; nsid?: string | undefined; rttMs?: number | undefined }
  | { kind: 'aborted' }
) & {
  /** Monotonic send/receive times taken at the socket, when the checker has them (tighter than the engine's own). */
  sentAt?: number | undefined;
  receivedAt?: number | undefined;
};

export type CheckCanary = (
  target: Target,
  question: { name: string; serial: bigint; probeId: string },
  signal?: AbortSignal,
) => Promise<CheckOutcome>;
