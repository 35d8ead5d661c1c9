/**
 * The rules of a RoundReport that the schema cannot express: relations
 * between fields. A report that passes the schema but breaks one of these is
 * refused by the aggregator (400 naming the field) and never spooled by the
 * probe, because the aggregator would take its figures at face value: an
 * estimate of 80,000 ms with bounds [1, 2] would become the slowest POP, and a
 * POP listed 50 times would count 50 times.
 *
 * Errors (each names the field by JSON pointer):
 * - `startedAt` must be an instant with a millisecond timestamp (the schema's
 *   date-time format admits a leap second, `23:59:60Z`, which has none);
 * - a write_failed round has no POP results (nothing was measured);
 * - a complete round has no pending/failing POPs (each ended propagated,
 *   timeout, rerouted or unreachable);
 * - each (pop, target) appears once per round (an anycast instance seen
 *   through two addresses is two entries; after a reroute the old and the new
 *   instance are two entries of one target with different pops);
 * - propagated: upperMs and estimateMs present, lowerMs <= estimateMs <= upperMs;
 * - any other state: neither upperMs nor estimateMs (no hit, no upper bound);
 * - pending/failing/rerouted/unreachable: lowerMs <= elapsedMs (a bound cannot
 *   exceed the time elapsed; an unreachable target is reported at the round's
 *   elapsedMs, a rerouted instance at the send time of its last miss);
 * - timeout: lowerMs <= maxWaitMs when the round reports maxWaitMs (censored at the wait);
 * - rerouted only through an anycast target (`targetKind: anycast`): only there
 *   can a catchment move;
 * - a unicast result (targetKind unicast or absent) that names its target in
 *   `via` has pop = via (its POP is the configured name); an unreachable
 *   anycast result has pop = via (no instance answered to name one).
 *
 * Tolerated, on purpose:
 * - an estimate that is not the exact midpoint (another estimator is allowed);
 * - a propagated POP's upperMs above elapsedMs: the final report caps elapsedMs
 *   at maxWaitMs, while a hit already in flight when the wait ran out is still
 *   recorded (its receive time may be a little later);
 * - timeout POPs in a running round, a timeout below maxWaitMs, a write_failed
 *   round without `write.error`, a report without maxWaitMs (older probes);
 * - the same POP under several targets (IPv4 and IPv6): quorum counts a probe once per POP.
 * None of these changes what the status is computed from beyond what a
 * consistent report could say; a probe that lies consistently is what quorum is for.
 */
import type { PopResult, RoundReport } from './round-report.js';

/** One broken rule: where (JSON pointer into the report) and what, as "expected … (got …)". */
export interface ReportInconsistency {
  pointer: string;
  message: string;
}

/** At most this many are reported: the first few are enough to fix a probe. */
const MAX_INCONSISTENCIES = 5;

/** Every broken cross-field rule of a schema-valid report (the first few), or an empty list. */
export function findInconsistencies(report: RoundReport): ReportInconsistency[] {
  const { round } = report;
  const found: ReportInconsistency[] = [];
  const add = (pointer: string, message: string) => {
    if (found.length < MAX_INCONSISTENCIES) found.push({ pointer, message });
  };
  if (!Number.isFinite(Date.parse(round.startedAt))) {
    add(
      '/round/startedAt',
      `expected a time with a millisecond timestamp, e.g. 2025-01-01T00:00:00.000Z; a leap second (:60) has none (got ${JSON.stringify(round.startedAt)})`,
    );
  }
  if (round.state === 'write_failed' && round.pops.length > 0) {
    add(
      '/round/pops',
      `expected no POP results in a write_failed round: nothing was measured (got ${round.pops.length})`,
    );
    return found;
  }
  const seen = new Map<string, number>();
  round.pops.forEach((pop, index) => {
    const at = `/round/pops/${index}`;
    const key = `${pop.pop}\u0000${pop.target}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else {
      add(
        at,
        `expected each (pop, target) once per round; duplicate of pops[${first}] (got pop ${JSON.stringify(pop.pop)}, target ${JSON.stringify(pop.target)})`,
      );
    }
    if (round.state === 'complete' && (pop.state === 'pending' || pop.state === 'failing')) {
      add(
        `${at}/state`,
        `expected "propagated", "timeout", "rerouted" or "unreachable" in a complete round (got ${JSON.stringify(pop.state)})`,
      );
    }
    checkBounds(pop, at, round, add);
    checkIdentity(pop, at, add);
  });
  return found;
}

function checkBounds(
  pop: PopResult,
  at: string,
  round: RoundReport['round'],
  add: (pointer: string, message: string) => void,
): void {
  if (pop.state === 'propagated') {
    if (pop.upperMs === undefined)
      add(`${at}/upperMs`, 'expected the receive time of the first hit for a propagated POP (got nothing)');
    else if (pop.upperMs < pop.lowerMs)
      add(`${at}/upperMs`, `expected at least lowerMs ${pop.lowerMs} (got ${pop.upperMs})`);
    if (pop.estimateMs === undefined) {
      add(`${at}/estimateMs`, 'expected the estimate within [lowerMs, upperMs] for a propagated POP (got nothing)');
    } else if (pop.upperMs !== undefined && pop.upperMs >= pop.lowerMs) {
      if (pop.estimateMs < pop.lowerMs || pop.estimateMs > pop.upperMs)
        add(
          `${at}/estimateMs`,
          `expected a number within [lowerMs, upperMs] = [${pop.lowerMs}, ${pop.upperMs}] (got ${pop.estimateMs})`,
        );
    }
    return;
  }
  // No hit yet: there is no upper bound, and an estimate would be invented.
  for (const field of ['upperMs', 'estimateMs'] as const) {
    if (pop[field] !== undefined)
      add(
        `${at}/${field}`,
        `expected nothing for ${article(pop.state)} ${pop.state} POP: only a propagated one has ${field} (got ${pop[field]})`,
      );
  }
  if (pop.state !== 'timeout' && pop.lowerMs > round.elapsedMs) {
    add(
      `${at}/lowerMs`,
      `expected at most round.elapsedMs ${round.elapsedMs} for ${article(pop.state)} ${pop.state} POP: a lower bound cannot exceed the time elapsed (got ${pop.lowerMs})`,
    );
  }
  if (pop.state === 'timeout' && round.maxWaitMs !== undefined && pop.lowerMs > round.maxWaitMs) {
    add(
      `${at}/lowerMs`,
      `expected at most round.maxWaitMs ${round.maxWaitMs} for a timeout: it is censored at the probe's wait (got ${pop.lowerMs})`,
    );
  }
}

/** How the result names its POP: by configuration (unicast), by the answering instance (anycast). */
function checkIdentity(pop: PopResult, at: string, add: (pointer: string, message: string) => void): void {
  const anycast = pop.targetKind === 'anycast';
  if (pop.state === 'rerouted' && !anycast) {
    add(
      `${at}/targetKind`,
      `expected "anycast" for a rerouted POP: only an anycast target's catchment can move (got ${JSON.stringify(pop.targetKind ?? 'unicast')})`,
    );
  }
  if (pop.via === undefined || pop.via === pop.pop) return;
  if (!anycast) {
    add(
      `${at}/via`,
      `expected the POP name ${JSON.stringify(pop.pop)} for a unicast target: its POP is its configured name (got ${JSON.stringify(pop.via)})`,
    );
  } else if (pop.state === 'unreachable') {
    add(
      `${at}/pop`,
      `expected the target name ${JSON.stringify(pop.via)} for an unreachable anycast target: no instance answered to name a POP (got ${JSON.stringify(pop.pop)})`,
    );
  }
}

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');
