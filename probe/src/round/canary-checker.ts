/**
 * Adapts the querier's canary check to the round engine's CheckCanary:
 * failure reasons become one line naming what happened, a failure says
 * whether anything came back from the target, and targets that give no NSID
 * can be named by CHAOS `id.server` (RFC 4892).
 *
 * CHAOS is a separate query, so behind an anycast address it may reach
 * another instance than the canary query before it (a route that moves in
 * between, per-flow load balancing across a site's servers). Hence two
 * switches: `chaosIdentity` asks once per unicast target and round, for
 * display only; `chaosIdentityFallback` asks after *each* anycast answer
 * without NSID, because that answer's POP is decided by it (a cached identity
 * would keep naming the old instance after the catchment moved). NSID, in
 * the same packet as the answer, has neither problem: prefer it.
 */
import { checkCanary, identifyByChaos, type Querier } from '../querier/index.js';
import type { CheckCanary, CheckOutcome, Target } from './types.js';

export interface CanaryCheckerOptions {
  timeoutMs: number;
  nsid: boolean;
  /** Unicast targets without NSID: ask CHAOS id.server once per target and round, to show an identity. */
  chaosIdentity: boolean;
  /** Anycast answers without NSID: ask CHAOS id.server after each one, to name the instance (opt-in). */
  chaosIdentityFallback?: boolean | undefined;
}

/**
 * Querier failures after which nothing came back from the target: a timeout,
 * a send error (ENETUNREACH, EHOSTUNREACH: the kernel's route or an ICMP
 * error), a refused or reset TCP connection (`network` over TCP), and the
 * probe's own limits. Anything else means the target sent something.
 */
const SILENT_REASONS: ReadonlySet<string> = new Set(['timeout', 'network', 'busy', 'closed', 'invalid-target']);

export function createCanaryChecker(querier: Querier, options: CanaryCheckerOptions): CheckCanary {
  const chaosNames = new Map<string, { serial: bigint; identity: string | undefined }>();

  /** The unicast display identity: asked once per target and round. */
  const cachedIdentity = async (target: Target, serial: bigint, signal: AbortSignal | undefined) => {
    const key = `${target.address}#${target.port}`;
    let cached = chaosNames.get(key);
    if (!cached || cached.serial !== serial) {
      const identity = await identifyByChaos(querier, target, { timeoutMs: options.timeoutMs, signal });
      cached = { serial, identity: identity.kind === 'identified' ? identity.identity : undefined };
      // An aborted identity query tells nothing: the next check asks again.
      if (identity.kind !== 'failure' || identity.reason !== 'aborted') chaosNames.set(key, cached);
    }
    return cached.identity;
  };

  return async (target, question, signal): Promise<CheckOutcome> => {
    const result = await checkCanary(
      querier,
      target,
      {
        name: question.name,
        serial: question.serial,
        probeId: question.probeId,
        timeoutMs: options.timeoutMs,
        nsid: options.nsid,
      },
      signal,
    );
    const timing = { sentAt: result.sentAt, receivedAt: result.receivedAt };
    if (result.kind === 'failure' && result.reason === 'aborted') return { kind: 'aborted', ...timing };
    if (result.kind === 'failure')
      return {
        kind: 'failure',
        reason: `${result.reason}: ${result.detail}`,
        answered: !SILENT_REASONS.has(result.reason),
        nsid: result.nsid,
        rttMs: result.rttMs,
        ...timing,
      };
    let nsid = result.nsid;
    if (nsid === undefined && target.kind === 'anycast' && options.chaosIdentityFallback) {
      const identity = await identifyByChaos(querier, target, { timeoutMs: options.timeoutMs, signal });
      if (identity.kind === 'failure' && identity.reason === 'aborted') return { kind: 'aborted', ...timing };
      if (identity.kind === 'failure')
        return {
          kind: 'failure',
          reason: `anycast target ${target.name}: answer without NSID, and CHAOS id.server named no instance (${identity.reason}: ${identity.detail})`,
          answered: true,
          rttMs: result.rttMs,
          ...timing,
        };
      nsid = identity.identity;
    } else if (nsid === undefined && target.kind !== 'anycast' && options.chaosIdentity) {
      nsid = await cachedIdentity(target, question.serial, signal);
    }
    if (result.kind === 'hit')
      return { kind: 'hit', servedSerial: result.servedSerial, nsid, rttMs: result.rttMs, ...timing };
    return { kind: 'miss', why: result.why, nsid, rttMs: result.rttMs, ...timing };
  };
}
