/**
 * Adapts the querier's canary check to the round engine's CheckCanary, and
 * adds the CHAOS `id.server` identity for targets that give no NSID (once per
 * target and round, since it is a separate query that may even reach another
 * instance behind the same anycast address).
 */
import { checkCanary, identifyByChaos, type Querier } from '../querier/index.js';
import type { CheckCanary, CheckOutcome } from './types.js';

export interface CanaryCheckerOptions {
  timeoutMs: number;
  nsid: boolean;
  chaosIdentity: boolean;
}

export function createCanaryChecker(querier: Querier, options: CanaryCheckerOptions): CheckCanary {
  const chaosNames = new Map<string, { serial: bigint; identity: string | undefined }>();
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
      return { kind: 'failure', reason: `${result.reason}: ${result.detail}`, rttMs: result.rttMs, ...timing };
    let nsid = result.nsid;
    if (nsid === undefined && options.chaosIdentity) {
      const key = `${target.address}#${target.port}`;
      let cached = chaosNames.get(key);
      if (!cached || cached.serial !== question.serial) {
        const identity = await identifyByChaos(querier, target, { timeoutMs: options.timeoutMs, signal });
        cached = { serial: question.serial, identity: identity.kind === 'identified' ? identity.identity : undefined };
        // An aborted identity query tells nothing: the next check asks again.
        if (identity.kind !== 'failure' || identity.reason !== 'aborted') chaosNames.set(key, cached);
      }
      nsid = cached.identity;
    }
    if (result.kind === 'hit')
      return { kind: 'hit', servedSerial: result.servedSerial, nsid, rttMs: result.rttMs, ...timing };
    return { kind: 'miss', why: result.why, nsid, rttMs: result.rttMs, ...timing };
  };
}
