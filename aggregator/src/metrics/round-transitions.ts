/**
 * What a stored round update newly tells the metrics, so each POP result is
 * counted once however many progress reports and duplicates arrive: a POP is
 * observed when it first reaches a final state (propagated/timeout), query
 * failures by their increase, a write failure when the round first becomes
 * write_failed.
 */
import { namesPop } from '../cardinality/pop-registry.js';
import type { PopResult } from '@propwatch/shared';
import type { UpsertResult } from '../storage/round-store.js';

export interface RoundTransitions {
  propagated: { pop: string; ms: number }[];
  timeouts: string[];
  queryFailures: { pop: string; count: number }[];
  writeFailed: boolean;
}

const isFinal = (pop: PopResult | undefined) =>
  pop !== undefined && (pop.state === 'propagated' || pop.state === 'timeout');
const keyOf = (pop: PopResult) => `${pop.pop}\u0000${pop.target}`;

/** Each POP result of the stored round with what the round said about it before this report (if anything). */
function pairUp(result: UpsertResult): { pop: PopResult; old: PopResult | undefined }[] {
  const before = new Map((result.previous?.pops ?? []).map((pop) => [keyOf(pop), pop]));
  return result.current.pops.map((pop) => ({ pop, old: before.get(keyOf(pop)) }));
}

/** POP results this report made final (propagated or timeout) for the first time: each is counted once. */
export function newlyFinal(result: UpsertResult): PopResult[] {
  if (result.outcome === 'unchanged') return [];
  return pairUp(result)
    .filter(({ pop, old }) => isFinal(pop) && !isFinal(old))
    .map(({ pop }) => pop);
}

export function findTransitions(result: UpsertResult): RoundTransitions {
  const transitions: RoundTransitions = { propagated: [], timeouts: [], queryFailures: [], writeFailed: false };
  if (result.outcome === 'unchanged') return transitions;
  for (const pop of newlyFinal(result)) {
    if (pop.state === 'propagated') transitions.propagated.push({ pop: pop.pop, ms: pop.estimateMs ?? pop.lowerMs });
    else transitions.timeouts.push(pop.pop);
  }
  for (const { pop, old } of pairUp(result)) {
    // An unreachable anycast target has no POP to label (its pop is the target name): no series per target name.
    if (!namesPop(pop)) continue;
    const newFailures = pop.failures - (old?.failures ?? 0);
    if (newFailures > 0) transitions.queryFailures.push({ pop: pop.pop, count: newFailures });
  }
  transitions.writeFailed = result.current.state === 'write_failed' && result.previous?.state !== 'write_failed';
  return transitions;
}
