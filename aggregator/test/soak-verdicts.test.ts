/**
 * The soak's leak verdicts on made-up sample series: a steady climb is a
 * leak, a single busy-moment peak or a dip is not.
 */
import { describe, expect, test } from 'vitest';
import { soakVerdicts } from './outage-helpers/soak-figures.js';
import type { ProcessSample } from './outage-helpers/sample-process.js';

const MiB = 1024 * 1024;

function sample(rssMiB: number, heapMiB = 25, fds = 60, connections = 40): ProcessSample {
  return {
    rss: rssMiB * MiB,
    heapUsed: heapMiB * MiB,
    heapTotal: 64 * MiB,
    newSpace: 32 * MiB,
    external: 4 * MiB,
    rssAnon: (rssMiB - 47) * MiB,
    rssFile: 47 * MiB,
    rssShmem: 0,
    fds,
    connections,
    closeWait: 0,
  };
}

/** One process ("aggregator") sampled once per value. */
const series = (values: readonly ProcessSample[]) => values.map((value) => [value]);

describe('soakVerdicts', () => {
  test('a flat process passes', () => {
    expect(soakVerdicts(['aggregator'], series([128, 131, 127, 130, 129, 132, 128].map((rss) => sample(rss))))).toEqual(
      [],
    );
  });

  test('one peak at the end (a busy moment when RSS was read) is not a leak', () => {
    expect(soakVerdicts(['aggregator'], series([126, 128, 127, 130, 129, 131, 169].map((rss) => sample(rss))))).toEqual(
      [],
    );
  });

  test('RSS climbing in every sample is a leak, named with its floors', () => {
    expect(soakVerdicts(['aggregator'], series([126, 136, 146, 156, 166, 176, 186].map((rss) => sample(rss))))).toEqual(
      ['aggregator: RSS floor 126.0 → 176.0 MiB'],
    );
  });

  test('a small process gets the absolute slack, not a percentage of almost nothing', () => {
    expect(soakVerdicts(['alarm'], series([20, 21, 24, 26, 27].map((rss) => sample(rss))))).toEqual([]);
    expect(soakVerdicts(['alarm'], series([20, 21, 26, 30, 31].map((rss) => sample(rss))))).toEqual([
      'alarm: RSS floor 20.0 → 30.0 MiB',
    ]);
  });

  test('live heap growth after GC, descriptor leaks and CLOSE_WAIT sockets are reported per process', () => {
    const start = [sample(100, 25, 60, 40), sample(80, 16, 27, 3)];
    const end = [sample(100, 40, 60, 40), { ...sample(80, 16, 40, 3), closeWait: 3 }];
    expect(soakVerdicts(['aggregator', 'probe'], [start, end])).toEqual([
      'aggregator: heapUsed 25.0 → 40.0 MiB',
      'probe: fds other than connections 24 → 37',
      'probe: 3 sockets in CLOSE_WAIT',
    ]);
  });

  test('connections that come and go with keep-alive traffic do not count as leaked descriptors', () => {
    expect(soakVerdicts(['sim'], series([sample(118, 22, 90, 41), sample(120, 22, 72, 23)]))).toEqual([]);
  });

  test('needs two samplings', () => {
    expect(() => soakVerdicts(['sim'], [[sample(100)]])).toThrow(/at least two samplings/);
  });
});
