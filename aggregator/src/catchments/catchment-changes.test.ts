import { describe, expect, test } from 'vitest';
import type { PopResult } from '@propwatch/shared';
import type { StoredRound } from '../storage/round-store.js';
import { findCatchmentChanges } from './catchment-changes.js';

/** `ns1>LHR`, `ns1>LHR:rerouted`, `ns2>-` (unreachable), `FRA` (unicast). */
function round(id: string, specs: string[]): StoredRound {
  const pops = specs.map((spec): PopResult => {
    const [path, state = 'propagated'] = spec.split(':') as [string, PopResult['state'] | undefined];
    const [via, name] = path.includes('>') ? (path.split('>') as [string, string]) : [path, path];
    const anycast = path.includes('>');
    const unreachable = name === '-';
    return {
      pop: unreachable ? via : name,
      target: `${via}:53`,
      via,
      ...(anycast ? { targetKind: 'anycast' as const } : {}),
      state: unreachable ? 'unreachable' : state,
      lowerMs: 100,
      ...(state === 'propagated' && !unreachable ? { upperMs: 200, estimateMs: 150 } : {}),
      queries: 1,
      failures: 0,
    };
  });
  return {
    probe: { id: 'p1', region: 'r', version: '1' },
    id,
    zone: 'z',
    record: 'x',
    serial: '1',
    startedAt: '2026-01-01T00:00:00.000Z',
    state: 'complete',
    elapsedMs: 1_000,
    write: { submitToAckMs: 1 },
    pops,
    firstReceivedAt: 0,
    receivedAt: 0,
  };
}

const changes = (prior: StoredRound | null, current: StoredRound) =>
  findCatchmentChanges(prior, current, 5).map((c) => `${c.via} ${c.fromPop ?? '-'}→${c.toPop ?? '-'}`);

describe('catchment changes', () => {
  test.each<[string, string[] | null, string[], string[]]>([
    ['first sighting: no change', null, ['ns1>LHR', 'ns2>FRA'], []],
    ['same instances: no change', ['ns1>LHR', 'ns2>FRA'], ['ns1>LHR', 'ns2>FRA'], []],
    ['between rounds', ['ns1>LHR', 'ns2>FRA'], ['ns1>AMS', 'ns2>FRA'], ['ns1 LHR→AMS']],
    ['mid-round, first seen in this report', null, ['ns1>LHR:rerouted', 'ns1>AMS:pending'], ['ns1 LHR→AMS']],
    [
      'mid-round, after a report that showed LHR',
      ['ns1>LHR:pending'],
      ['ns1>LHR:rerouted', 'ns1>AMS:pending'],
      ['ns1 LHR→AMS'],
    ],
    ['mid-round, already reported', ['ns1>LHR:rerouted', 'ns1>AMS:pending'], ['ns1>LHR:rerouted', 'ns1>AMS'], []],
    ['an address that stops answering, and comes back', ['ns2>FRA'], ['ns2>-'], ['ns2 FRA→-']],
    ['… comes back', ['ns2>-'], ['ns2>MAD'], ['ns2 -→MAD']],
    ['unicast targets never change', ['FRA'], ['FRA:timeout'], []],
  ])('%s', (_name, prior, current, expected) => {
    expect(changes(prior && round('r1', prior), round('r2', current))).toEqual(expected);
  });
});
