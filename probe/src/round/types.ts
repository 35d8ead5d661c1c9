/** Shapes the round engine works with; the querier and writers are adapted to them in main. */

/** A POP to poll: configured name plus the address actually queried. */
export interface Target {
  name: string;
  address: string;
  port: number;
}

/**
 * What one canary query told us. `hit`: the POP serves the written serial or
 * a newer one. `miss`: it answered authoritatively without it (NXDOMAIN,
 * NODATA, older serial). `failure`: no usable answer (timeout, SERVFAIL,
 * REFUSED, garbage, not authoritative); it says nothing about propagation.
 */
export type CheckOutcome = (
  | { kind: 'hit'; servedSerial: bigint; nsid?: string | undefined; rttMs: number }
  | { kind: 'miss'; why: string; nsid?: string | undefined; rttMs: number }
  | { kind: 'failure'; reason: string; rttMs?: number | undefined }
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
