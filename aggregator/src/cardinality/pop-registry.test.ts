import { describe, expect, test } from 'vitest';
import { PopRegistry } from './pop-registry.js';

const result = (pop: string) => ({ pop, state: 'propagated' as const });

describe('PopRegistry.knownPops (read on every status evaluation, kept between changes)', () => {
  test('is the same set while no POP comes or goes, and follows a new POP and an expired series', () => {
    const registry = new PopRegistry({ popsPerProbe: 10, expected: null });
    registry.admit('p1', [result('LHR'), result('FRA')], 1_000);
    const first = registry.knownPops();
    expect([...first].sort()).toEqual(['FRA', 'LHR']);
    // Seen again, and a known POP seen by another probe: the same set.
    registry.admit('p1', [result('LHR')], 1_500);
    registry.admit('p2', [result('LHR')], 2_000);
    expect(registry.knownPops()).toBe(first);
    registry.admit('p2', [result('AMS')], 3_000);
    expect([...registry.knownPops()].sort()).toEqual(['AMS', 'FRA', 'LHR']);
    // FRA (seen by p1 at 1,000 only) expires; LHR was seen since.
    expect(registry.expire(1_500)).toEqual([{ probe: 'p1', pop: 'FRA' }]);
    expect([...registry.knownPops()].sort()).toEqual(['AMS', 'LHR']);
    expect([...registry.knownPops()].sort()).toEqual(
      [...registry.popsSeenSince(Number.NEGATIVE_INFINITY).keys()].sort(),
    );
  });
});
